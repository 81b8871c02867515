// Package parquet reads and writes credo rollouts as Apache Parquet files,
// one row per trajectory, in the column layout of verl's DataProto (the
// same field names as the JSONL format of package format/jsonl and
// docs/format.md). It uses github.com/parquet-go/parquet-go.
//
// # Column layout written by Writer
//
//	uid                   string, required        verl's uid (prompt group)
//	traj_uid              string, required        trajectory id
//	credo_version         int32, optional         record layout version
//	responses             list<int64>, required   token ids
//	response_mask         list<double>, optional  \
//	old_log_probs         list<double>, optional   |
//	rollout_log_probs     list<double>, optional   |
//	ref_log_prob          list<double>, optional   | per-token arrays;
//	token_level_rewards   list<double>, optional   | null = absent
//	values                list<double>, optional   |
//	advantages            list<double>, optional   |
//	returns               list<double>, optional  |
//	loss_weights          list<double>, optional  /
//	parent                struct<traj_uid: string, token: int64>, optional
//	probe                 boolean, optional
//	ground_truth          string, optional (null when empty)
//	rewards               JSON text, optional     {"outcome": 1, ...}
//	features              JSON text, optional
//	log_probs             JSON text, optional     {"prm_phi": [...], ...}
//	token_scores          JSON text, optional
//	token_tags            JSON text, optional
//	steps                 JSON text, optional     [{"start":0,"end":5,...}, ...]
//	credo_extra           JSON text, optional     see below (usually null)
//	<unknown field>       JSON text, optional     one column per Extra key
//
// Lists are standard three-level Parquet LISTs; JSON text columns are
// BYTE_ARRAY annotated with the JSON logical type and hold the same JSON as
// the corresponding JSONL field. The maps with arbitrary keys (rewards,
// features, log_probs, token_scores, token_tags) and the irregular steps are
// stored as JSON text rather than native nested types: their keys differ
// from file to file and row to row, JSON keeps them exact and readable by
// any Parquet tool, and they are small next to the per-token arrays, which
// are native columns. Parquet orders the columns of a schema by name.
//
// Unknown fields of the input (Trajectory.Extra) are written back: every key
// seen in the first row group gets its own JSON column of that name; keys
// that first appear later, when the schema is already fixed, go into the
// credo_extra column as one JSON object. Nothing a user gave is lost.
//
// The Writer encodes its pages itself (encode.go): data pages v2, levels as
// RLE runs, PLAIN values, SNAPPY; a per-token float column whose values come
// in long runs of few distinct values (the advantages and returns of outcome
// methods, the response mask) is dictionary-encoded (RLE_DICTIONARY). The
// schema and footer are those the Parquet library writes for the same
// columns. Writer.Follow links a Writer to the Reader its rows come from:
// the per-token column chunks whose values did not change are then copied
// from the input file as they are (follow.go); credit/stream does this for
// credo assign from Parquet to Parquet.
//
// # Reading
//
// Reader accepts files written by credo and by others in verl layout: any
// subset of the columns above in any order, as long as uid and responses are
// present. Token ids may be int32 or int64 (signed or unsigned); per-token
// float columns may be float (float32), double, integer or boolean. Lists
// may use the three-level LIST layout, the legacy two-level layout or a bare
// repeated column (as parquet-go writes a Go slice); a bare repeated
// per-token column cannot hold null, so an empty one is read as absent.
// Structured fields may be JSON text (JSON logical type or plain string) or
// native nested columns (struct, map, list), which are converted to JSON and
// decoded like the JSONL field. Columns that credo does not know are kept in
// Trajectory.Extra as JSON values: nested columns become JSON objects and
// arrays, binary that is not UTF-8 becomes a base64 string, NaN and
// infinities become the strings "NaN", "Infinity" and "-Infinity", and null
// cells are left out.
//
// Reader.Needs says which per-token arrays the caller reads (credo assign
// passes the method's declaration, credit.Method.ArraysRead). Under
// Follow, in the column chunks the Writer will copy, the values of the
// other per-token columns are then not decoded (skip.go): token ids in
// data pages v2 are read only as their levels (lengths, nulls), floats
// are checked finite in place (a NaN or infinity is still reported, with
// its row and field) and not copied into records; the trajectory holds a
// placeholder of the right length whose values are zeros, which the
// Writer refuses to encode. The per-token floats that are read come from
// the same page reader, each row a slice of its page's values, checked
// once per page. Reader.ReadAhead decodes the rows in a goroutine of their
// own (credo assign does so with GOMAXPROCS > 1). Neither changes a byte
// of the output.
//
// RowReader reads rows by number in any order, with a few Readers kept at
// different places of the file (Reader.SeekRow): credit/stream reads the
// groups of a file whose groups are spread over it this way.
//
// Reading is streamed: Reader.Next decodes one row at a time from the pages
// of the current row group, so memory is bounded by a row group (in practice
// by a page or two per column), not by the file. Per-token arrays are copied
// from the typed values of their pages, not assembled value by value. Every row is validated with
// rollout.Trajectory.Validate; errors are *rollout.RecordError naming the
// file and the row ("row N", counted from 1 over the whole file) and wrap a
// *rollout.FieldError naming the field. Errors about the file as a whole
// name Record "file" (not Parquet, truncated, corrupt footer) or "schema"
// (missing or mistyped column); corruption found in the pages of a row group
// is reported at the row about to be read. Trajectories without traj_uid get
// the ID "row-N". ReadAll and ReadFile also validate the batch (unique ids,
// parent links).
//
// Corrupt files give errors, never panics or runaway allocations: the footer
// and the page headers of each row group are checked before the Parquet
// library decodes them (sizes must fit in the file, pages are limited to
// MaxPageBytes and MaxPageValues), and internal failures of the library's
// decoder are recovered and reported as corrupt-file errors. (On some
// corrupt pages the library also prints a warning to standard error.)
package parquet
