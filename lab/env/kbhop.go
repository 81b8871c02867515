package env

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
)

// KBHop is a synthetic multi-hop search-QA task in the Search-R1 protocol
// (environments.md §1.10, §5.4) on a generated knowledge base of fictional
// entities (names from a syllable generator).
//
// KB. Countries (each with CitiesPerCountry cities, the first its capital),
// people born_in a city, companies founded_by a person (with a founding
// year), rivers flowing through a country. One passage per entity states
// its facts; with probability Distractors it adds a distractor sentence
// naming another entity.
//
// Questions (templates, answer = an entity): 1-hop born_in, city_in,
// capital_of, founded_by, flows_through; 2-hop person→country,
// company→founder's city, river→capital; 3-hop company→founder's country;
// comparison "which company was founded earlier" (2 searches). Questions
// whose gold evidence chain cannot be followed within MaxSearches searches
// and MaxKnown known entities are dropped, so every question is answerable.
//
// Episode. The state is the question and the searches made so far. The
// agent knows an ordered list of entities: the question's, then every
// entity named in a retrieved passage, in order of appearance (at most
// MaxKnown). Actions: search[k] searches the k-th known entity: the
// deterministic ranker returns the top-TopK passages (the entity's own
// passage first, then passages naming it, ties by id); answer[k] answers the
// k-th known entity (reward 1 if it is the gold answer, exact match, else 0;
// the episode ends); guess answers a uniformly random entity of the gold's
// type (ends; for comparisons one of the two companies): the only way a
// 0-search trajectory can succeed. At most MaxSearches searches; the
// horizon is MaxSearches+1. Search steps carry Signals["search"] = 1, so a
// trajectory's stratum (Stratified GRPO) is its number of searches.
type KBHop struct {
	cfg       KBHopConfig
	ents      []kbEntity
	passages  []kbPassage
	questions []*kbQuestion
	retrieved [][]int // per entity: retrieved passage ids
	actions   []string
	byName    map[string]int
}

// KBHopConfig holds the sizes of KBHop.
type KBHopConfig struct {
	Countries        int     // default 3
	CitiesPerCountry int     // default 2
	People           int     // default 6
	Companies        int     // default 4
	Rivers           int     // default 2
	MaxSearches      int     // search budget (default 4, the spec; Search-R1's paper uses 2)
	TopK             int     // passages per search (default 3, Search-R1 topk)
	MaxKnown         int     // known-entity slots (default 8)
	Distractors      float64 // probability of a distractor sentence per passage (default 0.5)
}

// DefaultKBHopConfig returns the lab defaults.
func DefaultKBHopConfig() KBHopConfig {
	return KBHopConfig{Countries: 3, CitiesPerCountry: 2, People: 6, Companies: 4, Rivers: 2,
		MaxSearches: 4, TopK: 3, MaxKnown: 8, Distractors: 0.5}
}

// Entity types.
const (
	kbPerson = iota
	kbCity
	kbCountry
	kbCompany
	kbRiver
)

var kbTypeNames = [5]string{"person", "city", "country", "company", "river"}

type kbEntity struct {
	name string
	typ  int
	rel  int // born_in city, city_in country, capital city, founder, flows_through country
	year int // companies
}

type kbPassage struct {
	subj     int
	text     string
	mentions []int // subject first, in order of appearance
}

type kbQuestion struct {
	id    int
	tmpl  int
	subj  []int
	gold  int
	chain []int // the entities to search, in order
	text  string
}

// KBHopState is a question and the searches made so far.
type KBHopState struct {
	q        *kbQuestion
	Searched []int // entity ids searched, in order
	known    []int
	key      string
}

func (s *KBHopState) Key() string { return s.key }

// Question returns the question text.
func (s *KBHopState) Question() string { return s.q.text }

// Gold returns the gold answer's name index (entity id).
func (s *KBHopState) Gold() int { return s.q.gold }

// Known returns the known entity ids.
func (s *KBHopState) Known() []int { return clone(s.known) }

// NewKBHop generates a KB and its questions from seed.
func NewKBHop(c KBHopConfig, seed uint64) (*KBHop, error) {
	if c.Countries < 1 || c.CitiesPerCountry < 1 || c.People < 1 || c.Companies < 2 || c.Rivers < 0 ||
		c.MaxSearches < 1 || c.TopK < 1 || c.MaxKnown < 2 || c.Distractors < 0 || c.Distractors > 1 {
		return nil, fmt.Errorf("env: kbhop: bad config %+v", c)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6b68))
	e := &KBHop{cfg: c, byName: map[string]int{}}
	add := func(typ int, suffix string) int {
		for {
			n := kbName(rng) + suffix
			if typ == kbPerson {
				n = kbName(rng) + " " + kbName(rng)
			}
			k := strings.ToLower(n)
			if _, dup := e.byName[k]; !dup {
				e.byName[k] = len(e.ents)
				e.ents = append(e.ents, kbEntity{name: n, typ: typ})
				return len(e.ents) - 1
			}
		}
	}
	var countries, cities, people, companies, rivers []int
	for range c.Countries {
		countries = append(countries, add(kbCountry, ""))
	}
	for _, x := range countries {
		for j := range c.CitiesPerCountry {
			ci := add(kbCity, "")
			e.ents[ci].rel = x
			if j == 0 {
				e.ents[x].rel = ci
			}
			cities = append(cities, ci)
		}
	}
	for range c.People {
		p := add(kbPerson, "")
		e.ents[p].rel = cities[rng.IntN(len(cities))]
		people = append(people, p)
	}
	years := map[int]bool{}
	suffixes := []string{" Labs", " Works", " Group", " Systems"}
	for range c.Companies {
		co := add(kbCompany, suffixes[rng.IntN(len(suffixes))])
		e.ents[co].rel = people[rng.IntN(len(people))]
		y := 1850 + rng.IntN(170)
		for years[y] {
			y = 1850 + rng.IntN(170)
		}
		years[y] = true
		e.ents[co].year = y
		companies = append(companies, co)
	}
	for range c.Rivers {
		r := add(kbRiver, " River")
		e.ents[r].rel = countries[rng.IntN(len(countries))]
		rivers = append(rivers, r)
	}
	// Passages, one per entity, id = entity id.
	for id, en := range e.ents {
		o := e.ents[en.rel]
		var text string
		switch en.typ {
		case kbPerson:
			text = fmt.Sprintf("%s was born in %s.", en.name, o.name)
		case kbCity:
			text = fmt.Sprintf("%s is a city in %s.", en.name, o.name)
		case kbCountry:
			text = fmt.Sprintf("%s is a country whose capital is %s.", en.name, o.name)
		case kbCompany:
			text = fmt.Sprintf("%s was founded by %s in %d.", en.name, o.name, en.year)
		case kbRiver:
			text = fmt.Sprintf("The %s flows through %s.", en.name, o.name)
		}
		p := kbPassage{subj: id, text: text, mentions: []int{id, en.rel}}
		if rng.Float64() < c.Distractors {
			y := rng.IntN(len(e.ents) - 1)
			if y >= id {
				y++
			}
			if y != en.rel {
				p.text += fmt.Sprintf(" It is often mentioned alongside %s.", e.ents[y].name)
				p.mentions = append(p.mentions, y)
			}
		}
		e.passages = append(e.passages, p)
	}
	// Retrieval: own passage (score 2), then passages naming the entity (1), ties by id.
	e.retrieved = make([][]int, len(e.ents))
	for id := range e.ents {
		r := []int{id}
		for pid, p := range e.passages {
			if pid != id && slices.Contains(p.mentions, id) {
				r = append(r, pid)
			}
		}
		e.retrieved[id] = r[:min(len(r), c.TopK)]
	}
	// Questions.
	rel := func(x int) int { return e.ents[x].rel }
	name := func(x int) string { return e.ents[x].name }
	addQ := func(tmpl int, subj []int, gold int, chain []int, text string) {
		q := &kbQuestion{tmpl: tmpl, subj: subj, gold: gold, chain: chain, text: text}
		if e.answerable(q) {
			q.id = len(e.questions)
			e.questions = append(e.questions, q)
		}
	}
	for _, p := range people {
		addQ(0, []int{p}, rel(p), []int{p}, fmt.Sprintf("In which city was %s born?", name(p)))
	}
	for _, ci := range cities {
		addQ(1, []int{ci}, rel(ci), []int{ci}, fmt.Sprintf("In which country is %s?", name(ci)))
	}
	for _, x := range countries {
		addQ(2, []int{x}, rel(x), []int{x}, fmt.Sprintf("What is the capital of %s?", name(x)))
	}
	for _, co := range companies {
		addQ(3, []int{co}, rel(co), []int{co}, fmt.Sprintf("Who founded %s?", name(co)))
	}
	for _, r := range rivers {
		addQ(4, []int{r}, rel(r), []int{r}, fmt.Sprintf("Which country does the %s flow through?", name(r)))
	}
	for _, p := range people {
		addQ(5, []int{p}, rel(rel(p)), []int{p, rel(p)}, fmt.Sprintf("In which country was %s born?", name(p)))
	}
	for _, co := range companies {
		addQ(6, []int{co}, rel(rel(co)), []int{co, rel(co)}, fmt.Sprintf("In which city was the founder of %s born?", name(co)))
	}
	for _, r := range rivers {
		addQ(7, []int{r}, rel(rel(r)), []int{r, rel(r)}, fmt.Sprintf("What is the capital of the country the %s flows through?", name(r)))
	}
	for _, co := range companies {
		addQ(8, []int{co}, rel(rel(rel(co))), []int{co, rel(co), rel(rel(co))}, fmt.Sprintf("In which country was the founder of %s born?", name(co)))
	}
	for i, a := range companies {
		for _, b := range companies[i+1:] {
			gold := a
			if e.ents[b].year < e.ents[a].year {
				gold = b
			}
			addQ(9, []int{a, b}, gold, []int{a, b}, fmt.Sprintf("Which was founded earlier, %s or %s?", name(a), name(b)))
		}
	}
	if len(e.questions) == 0 {
		return nil, fmt.Errorf("env: kbhop: no answerable question with %+v", c)
	}
	for k := 0; k < c.MaxKnown; k++ {
		e.actions = append(e.actions, fmt.Sprintf("search[%d]", k))
	}
	for k := 0; k < c.MaxKnown; k++ {
		e.actions = append(e.actions, fmt.Sprintf("answer[%d]", k))
	}
	e.actions = append(e.actions, "guess")
	return e, nil
}

var kbSyllables = []string{"ka", "lo", "ri", "ven", "dor", "mi", "sa", "tel", "bra", "zu", "no", "qua",
	"fen", "lys", "tor", "vi", "ar", "el", "os", "um", "the", "gal", "pim", "ro"}

func kbName(rng *rand.Rand) string {
	n := 2 + rng.IntN(2)
	var sb strings.Builder
	for range n {
		sb.WriteString(kbSyllables[rng.IntN(len(kbSyllables))])
	}
	s := sb.String()
	return strings.ToUpper(s[:1]) + s[1:]
}

// known computes the known list after searching searched, in order.
func (e *KBHop) known(q *kbQuestion, searched []int) []int {
	k := clone(q.subj)
	for _, x := range searched {
		for _, pid := range e.retrieved[x] {
			for _, m := range e.passages[pid].mentions {
				if len(k) < e.cfg.MaxKnown && !slices.Contains(k, m) {
					k = append(k, m)
				}
			}
		}
	}
	return k
}

// answerable follows the gold chain: every entity to search must be known
// in time, the gold must end up known, within the budget.
func (e *KBHop) answerable(q *kbQuestion) bool {
	if len(q.chain) > e.cfg.MaxSearches || len(q.subj) > e.cfg.MaxKnown {
		return false
	}
	for i, x := range q.chain {
		if !slices.Contains(e.known(q, q.chain[:i]), x) {
			return false
		}
	}
	return slices.Contains(e.known(q, q.chain), q.gold)
}

func (e *KBHop) state(q *kbQuestion, searched []int) *KBHopState {
	s := &KBHopState{q: q, Searched: searched, known: e.known(q, searched)}
	s.key = fmt.Sprintf("q=%d s=%v", q.id, searched)
	return s
}

func (e *KBHop) Name() string      { return "kbhop" }
func (e *KBHop) Roles() int        { return 1 }
func (e *KBHop) Horizon() int      { return e.cfg.MaxSearches + 1 }
func (e *KBHop) Actions() []string { return e.actions }
func (e *KBHop) Role(State) int    { return 0 }

// Config returns the sizes.
func (e *KBHop) Config() KBHopConfig { return e.cfg }

// NumQuestions is the number of (answerable) questions.
func (e *KBHop) NumQuestions() int { return len(e.questions) }

// QuestionState is the start state of question i.
func (e *KBHop) QuestionState(i int) *KBHopState { return e.state(e.questions[i], nil) }

// GoldChain lists the entity ids the gold evidence chain searches, in order.
func (e *KBHop) GoldChain(s *KBHopState) []int { return clone(s.q.chain) }

// EntityName returns the name of entity id.
func (e *KBHop) EntityName(id int) string { return e.ents[id].name }

// Hops is the number of searches of the question's gold chain.
func (e *KBHop) Hops(s *KBHopState) int { return len(s.q.chain) }

func (e *KBHop) Start(rng *rand.Rand) State {
	return e.state(e.questions[rng.IntN(len(e.questions))], nil)
}

// StartDist is uniform over the questions.
func (e *KBHop) StartDist() []Weighted {
	out := make([]Weighted, len(e.questions))
	for i, q := range e.questions {
		out[i] = Weighted{S: e.state(q, nil), P: 1 / float64(len(e.questions))}
	}
	return out
}

func (e *KBHop) Legal(st State) []bool {
	s := st.(*KBHopState)
	K := e.cfg.MaxKnown
	l := make([]bool, 2*K+1)
	for k := range s.known {
		l[k] = len(s.Searched) < e.cfg.MaxSearches
		l[K+k] = true
	}
	l[2*K] = true
	return l
}

// guessCandidates are the entities a guess draws from.
func (e *KBHop) guessCandidates(q *kbQuestion) int {
	if q.tmpl == 9 {
		return 2
	}
	n := 0
	for _, en := range e.ents {
		if en.typ == e.ents[q.gold].typ {
			n++
		}
	}
	return n
}

func (e *KBHop) Step(st State, t int, a int) []Transition {
	s := st.(*KBHopState)
	K := e.cfg.MaxKnown
	switch {
	case a < K && a < len(s.known) && len(s.Searched) < e.cfg.MaxSearches:
		searched := append(clone(s.Searched), s.known[a])
		return []Transition{{P: 1, Next: e.state(s.q, searched), Reward: []float64{0},
			Signals: map[string]float64{"search": 1}}}
	case a >= K && a < 2*K && a-K < len(s.known):
		r := 0.0
		if s.known[a-K] == s.q.gold {
			r = 1
		}
		return []Transition{{P: 1, Next: s, Reward: []float64{r}, Done: true}}
	case a == 2*K:
		n := e.guessCandidates(s.q)
		if n == 1 {
			return []Transition{{P: 1, Next: s, Reward: []float64{1}, Done: true}}
		}
		return []Transition{
			{P: 1 / float64(n), Next: s, Reward: []float64{1}, Done: true},
			{P: 1 - 1/float64(n), Next: s, Reward: []float64{0}, Done: true},
		}
	}
	return e.Invalid(s, t)
}

// Invalid ends the episode with reward 0 (no answer).
func (e *KBHop) Invalid(st State, t int) []Transition {
	return []Transition{{P: 1, Next: st, Reward: []float64{0}, Done: true}}
}

// Features: per known slot (present, type one-hot ×5, searched, in the
// question), the question template one-hot (10), searches/MaxSearches.
func (e *KBHop) Features(st State) []float64 {
	s := st.(*KBHopState)
	K := e.cfg.MaxKnown
	f := make([]float64, 8*K+11)
	for k, id := range s.known {
		f[8*k] = 1
		f[8*k+1+e.ents[id].typ] = 1
		if slices.Contains(s.Searched, id) {
			f[8*k+6] = 1
		}
		if slices.Contains(s.q.subj, id) {
			f[8*k+7] = 1
		}
	}
	f[8*K+s.q.tmpl] = 1
	f[8*K+10] = float64(len(s.Searched)) / float64(e.cfg.MaxSearches)
	return f
}

// Render shows the question, each search with its <information> block,
// the known entities and the remaining budget.
func (e *KBHop) Render(st State) string {
	s := st.(*KBHopState)
	var sb strings.Builder
	fmt.Fprintf(&sb, "Question: %s\n", s.q.text)
	for _, x := range s.Searched {
		fmt.Fprintf(&sb, "<search>%s</search>\n<information>", e.ents[x].name)
		for i, pid := range e.retrieved[x] {
			if i > 0 {
				sb.WriteString(" ")
			}
			fmt.Fprintf(&sb, "Doc %d: %s", i+1, e.passages[pid].text)
		}
		sb.WriteString("</information>\n")
	}
	sb.WriteString("Known entities:")
	for k, id := range s.known {
		fmt.Fprintf(&sb, " [%d] %s (%s);", k, e.ents[id].name, kbTypeNames[e.ents[id].typ])
	}
	fmt.Fprintf(&sb, "\nSearches left: %d. Reply <search>entity</search> or <answer>entity</answer>.", e.cfg.MaxSearches-len(s.Searched))
	return sb.String()
}

// Parse reads a canonical action name: "search[k]", "answer[k]", "guess".
func (e *KBHop) Parse(text string) (int, bool) {
	t := strings.ToLower(strings.TrimSpace(text))
	if i := slices.Index(e.actions, t); i >= 0 {
		return i, true
	}
	return 0, false
}

var kbTag = regexp.MustCompile(`(?s)<(search|answer)>(.*?)</(?:search|answer)>`)

// ParseIn reads the first <search>name</search> or <answer>name</answer>
// naming a known entity (case-insensitive).
func (e *KBHop) ParseIn(st State, text string) (int, bool) {
	s := st.(*KBHopState)
	m := kbTag.FindStringSubmatch(text)
	if m == nil {
		return e.Parse(text)
	}
	id, ok := e.byName[strings.ToLower(strings.TrimSpace(m[2]))]
	if !ok {
		return 0, false
	}
	k := slices.Index(s.known, id)
	if k < 0 {
		return 0, false
	}
	if m[1] == "search" {
		return k, true
	}
	return e.cfg.MaxKnown + k, true
}
