// Package all links every golden-vector adapter into a program: importing
// it for its side effects registers the adapters of every anchor (verl,
// verl-agent, OpenRLHF, PURE, IGPO, SPIRAL, SPO, TreeRL) and of package loss
// with package golden, as `credo conformance` does.
package all
