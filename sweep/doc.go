// Package sweep runs a set of independent cells of work on any number of
// worker processes through a NATS JetStream work queue, and merges their
// results as one process would.
//
// A cell is an opaque key and an opaque spec (the bytes a worker needs to run
// it); a worker's [WorkFunc] turns a spec into result bytes. The package knows
// nothing of what a cell means: the lab's adapter (package sweep/labsweep)
// makes one cell per lab experiment and merges the results into the lab's
// report.
//
// # Protocol
//
// A sweep named NAME uses two JetStream streams on the server at
// [Config.URL]:
//
//   - SWEEP_NAME_CELLS (subject credo.sweep.NAME.cells, work-queue retention,
//     file storage) holds the cells not yet done. Workers pull them one at a
//     time through the shared durable pull consumer "workers" with explicit
//     acknowledgement: a worker acknowledges a cell only after its result is
//     stored, and tells the server it is still working every AckWait/4. A
//     worker that dies (or hangs) mid-cell stops doing so, and the server
//     delivers the cell again to another worker after [Config.AckWait]:
//     at-least-once delivery.
//   - SWEEP_NAME_RESULTS (subject credo.sweep.NAME.results, file storage)
//     holds one message per finished delivery of a cell, with the cell's key
//     as its Nats-Msg-Id, so that the server drops a second result of the same
//     cell inside its duplicate window, and the header Credo-Cell.
//
// [Run] (the coordinator) creates both streams afresh, publishes the cells,
// and reads the results stream in order until every cell has a result. A key
// seen again (a cell redelivered after its worker stored the result but died
// before acknowledging, outside the duplicate window) is dropped: the result
// kept for a key is always the first one in the results stream, whatever the
// number of deliveries, and the merge function is called exactly once per
// cell, in the order of the cells given, after all of them are done. Results
// are therefore idempotent and the merged output is what one process
// running the cells in order gives, as long as a cell's result depends on its
// spec only.
//
// A cell whose work function fails ends the sweep with that error (a failure
// that depends on the spec would fail again); a cell delivered
// [Config.MaxDeliver] times without a result (its workers crash on it) ends
// it too. When Run returns it deletes both streams, which tells the workers
// the sweep is over.
//
// [StartServer] runs an embedded NATS server with JetStream in the calling
// process: the default on one machine, nothing to install. Workers on other
// machines join it, or an external NATS cluster, by its URL.
//
// The design is JetStream's work-queue pattern (NATS documentation, "JetStream
// Model Deep Dive": work-queue retention, explicit ack, AckWait redelivery,
// message deduplication by Nats-Msg-Id); the code uses the nats.go jetstream
// client API and the embedded nats-server.
package sweep
