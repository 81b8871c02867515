// Package verl registers credo's verl advantage estimators
// (anchor/verl) with the golden harness under the estimator names of the
// golden files ("verl.grpo", "verl.gae", ...).
package verl
