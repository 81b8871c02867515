package tree

// Test helpers of package tree exported to its external tests
// (register_test.go, which runs the methods through the registry and so
// imports method/ref, the home of the SPO and TreeRL bindings).
var (
	ChainTestBatch        = chainBatch
	CheckRows             = checkRows
	Logs                  = logs
	HandTokens            = handTokens
	HandScores            = handScores
	HandDrWant            = handDrWant
	SiblingsSharingTokens = siblingsSharingTokens
)
