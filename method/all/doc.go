// Package all links every method of the catalogue into a program:
// importing it for its side effects registers the bindings of the
// references (method/ref: verl, verl-agent, OpenRLHF, PURE, IGPO, SPIRAL,
// SPO, TreeRL) and the methods of method/group, method/process,
// method/reward, method/token, method/tree and method/turn with package
// credit, the registry.
package all
