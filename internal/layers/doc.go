// Package layers holds no code of its own: its tests check the layout of
// the module. TestLayers fails when a package imports one from a layer above
// it (the core of rollout, format, credit, anchor, method, loss and internal
// must never import the lab, the commands, the C ABI or a service; the lab
// must never import a command). TestArchitecturePackages fails when
// docs/architecture.md does not list exactly the packages of the module; run
// it with -update to regenerate that list from each package's doc comment.
package layers
