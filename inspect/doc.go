// Package inspect is credo's credit inspector: an http.Handler serving a
// self-contained page (HTML, CSS and plain JavaScript embedded in the
// binary, nothing fetched from elsewhere) that shows a rollout file's groups,
// trajectories and tokens, each token coloured by its credit on a diverging
// scale, with steps, turns, GiGPO anchor groups, strata and trees drawn as
// such, two sides (two files, or a file and a method computed on it) with
// their difference, and the exact advantage A^π beside them when the records
// carry it (token_scores.true_advantage, see TruthScore).
//
// The page never holds the whole file: the server keeps a compact index
// (per trajectory its group, reward and largest |credit|; for plain JSONL the
// record's byte offset, the record itself staying on disk) and the page asks
// for one page of groups, then one group, through a JSON API (see
// Inspector.Handler). It is used by "credo inspect" and can be mounted in
// another server with http.StripPrefix.
//
// Token text comes from a record's token_text field (TokenTextField), else
// from a Hugging Face tokenizer.json (Tokenizer), else the ids.
package inspect
