module github.com/credo-rl/credo

go 1.26
