package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
)

// meta is what a device knows of a record's version: the last change made
// or applied, and the hash of each field of its value, so that a local edit
// can tell which fields it changed.
type meta struct {
	Change
	FH map[string]string `json:"fh,omitempty"`
}

// fields splits a JSON object into its fields; ok is false for anything
// else (arrays, raw bytes, tombstones).
func fields(v []byte) (map[string]json.RawMessage, bool) {
	if len(v) == 0 || v[0] != '{' {
		return nil, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(v, &m) != nil {
		return nil, false
	}
	return m, true
}

func fieldHashes(v []byte) map[string]string {
	m, ok := fields(v)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, raw := range m {
		s := sha256.Sum256(raw)
		out[k] = hex.EncodeToString(s[:8])
	}
	return out
}

func elements(v []byte) ([]json.RawMessage, bool) {
	if len(v) == 0 || v[0] != '[' {
		return nil, false
	}
	var a []json.RawMessage
	if json.Unmarshal(v, &a) != nil {
		return nil, false
	}
	return a, true
}

// merged is the outcome of merging two concurrent versions.
type merged struct {
	value     []byte // nil with del
	del       bool
	stamps    map[string]Stamp
	conflict  []string // fields both sides changed (or "*" for the whole value)
	lost      []byte   // the losing version's whole value, kept for review
	lostIsOld bool     // the losing version is the local one
}

// mergeConcurrent merges local version l (value lv) and remote change r,
// neither of which knows the other. Both devices compute the same result,
// so no merged version needs to travel.
func mergeConcurrent(l meta, lv []byte, r Change) merged {
	remoteWins := l.H.Less(r.H)
	lf, lok := fields(lv)
	rf, rok := fields(r.Value)
	if !l.Del && !r.Del && lok && rok {
		return mergeFields(l, lf, r, rf, remoteWins)
	}
	la, laok := elements(lv)
	ra, raok := elements(r.Value)
	if !l.Del && !r.Del && laok && raok {
		return merged{value: union(la, ra)}
	}
	// Whole values: the newer stamp wins; the loser is kept unless it
	// is a deletion or the same bytes.
	out := merged{value: lv, del: l.Del, stamps: l.F}
	loser, loserDel := r.Value, r.Del
	if remoteWins {
		out = merged{value: r.Value, del: r.Del, stamps: r.F}
		loser, loserDel = lv, l.Del
		out.lostIsOld = true
	}
	if !loserDel && !(l.Del == r.Del && bytes.Equal(lv, r.Value)) {
		out.conflict = []string{"*"}
		out.lost = loser
	}
	return out
}

func mergeFields(l meta, lf map[string]json.RawMessage, r Change, rf map[string]json.RawMessage, remoteWins bool) merged {
	out := map[string]json.RawMessage{}
	stamps := map[string]Stamp{}
	var conflict []string
	keys := slices.Sorted(maps.Keys(lf))
	for k := range rf {
		if _, ok := lf[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		lraw, lhas := lf[k]
		rraw, rhas := rf[k]
		ls, rs := l.F[k], r.F[k]
		takeRemote := false
		if lhas == rhas && bytes.Equal(lraw, rraw) {
			takeRemote = rs.C > ls.C || (rs.C == ls.C && rs.D > ls.D) // same value: keep a deterministic stamp
		} else {
			lKnown := ls.D == "" || r.V[ls.D] >= ls.C
			rKnown := rs.D == "" || l.V[rs.D] >= rs.C
			switch {
			case lKnown && !rKnown:
				takeRemote = true
			case rKnown && !lKnown:
				takeRemote = false
			default:
				conflict = append(conflict, k)
				takeRemote = remoteWins
			}
		}
		if takeRemote {
			if rhas {
				out[k] = rraw
			}
			stamps[k] = rs
		} else {
			if lhas {
				out[k] = lraw
			}
			stamps[k] = ls
		}
	}
	v, _ := json.Marshal(out)
	m := merged{value: v, stamps: stamps, conflict: conflict}
	if len(conflict) > 0 {
		if remoteWins {
			m.lost, _ = json.Marshal(lf)
			m.lostIsOld = true
		} else {
			m.lost, _ = json.Marshal(rf)
		}
	}
	return m
}

// union keeps every element of a, then the elements of b that a lacks.
func union(a, b []json.RawMessage) []byte {
	seen := map[string]bool{}
	out := make([]json.RawMessage, 0, len(a)+len(b))
	for _, x := range append(slices.Clone(a), b...) {
		if !seen[string(x)] {
			seen[string(x)] = true
			out = append(out, x)
		}
	}
	v, _ := json.Marshal(out)
	return v
}

// sameContent compares two values field by field (JSON objects whose
// fields came out in another order are the same record).
func sameContent(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	fa, oka := fields(a)
	fb, okb := fields(b)
	if !oka || !okb || len(fa) != len(fb) {
		return false
	}
	for k, v := range fa {
		if w, ok := fb[k]; !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}
