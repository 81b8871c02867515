package train

import _ "github.com/credo-rl/credo/method/ref" // verl.grpo, which the tests look up
