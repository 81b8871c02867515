package rollout

// Span is the token range [Start, End) of a unit of a response: a turn, an
// utterance, an action, a macro action, a step. It is the one span type of
// the method packages (turn.Span and token.Span are this type).
type Span struct{ Start, End int }
