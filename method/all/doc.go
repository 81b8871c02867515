// Package all links every method family of the catalogue into a program:
// importing it for its side effects registers the methods of method/group,
// method/process, method/token, method/tree and method/turn with package
// credit, next to the reference bindings that package credit holds itself.
package all
