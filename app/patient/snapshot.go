package patient

import (
	"encoding/binary"
	"errors"
)

// A snapshot is the index written out, so that an unlock can load it
// instead of decoding and tokenising every patient and sorting every
// token again. It holds what the index holds (names, dates, NIR, phone
// numbers as search tokens): the caller keeps it sealed in the vault.
//
// Format: magic, the patients in rank order (id, then tokens with their
// field), then per field class the number of entries and the sorted
// entries in runs of one token: the token, the run's length and its
// patients. All lengths and numbers are uvarints. Loading reads every
// section in order and never jumps back to a patient's tokens, which at a
// million patients would be a cache miss per entry.

var snapshotMagic = []byte("CIX2")

// ErrBadSnapshot: the bytes are not an index snapshot of this version.
var ErrBadSnapshot = errors.New("not a search index snapshot")

// Snapshot writes the index out.
func (ix *Index) Snapshot() []byte {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.npend > 0 || ix.dead > 0 || len(ix.rank) != len(ix.docs) {
		ix.mergeLocked()
	}
	num := make([]int32, len(ix.docs)) // old doc number → new
	for i := range num {
		num[i] = -1
	}
	for r, n := range ix.order {
		num[n] = int32(r)
	}
	b := append([]byte(nil), snapshotMagic...)
	b = binary.AppendUvarint(b, uint64(len(ix.order)))
	for _, n := range ix.order {
		d := ix.docs[n]
		b = binary.AppendUvarint(b, uint64(len(d.id)))
		b = append(b, d.id...)
		b = binary.AppendUvarint(b, uint64(len(d.toks)))
		for _, t := range d.toks {
			b = append(b, t.field)
			b = binary.AppendUvarint(b, uint64(len(t.tok)))
			b = append(b, t.tok...)
		}
	}
	for f := range nFields {
		var es []entry
		for _, e := range ix.sorted[f] {
			if num[e.doc] >= 0 {
				es = append(es, e)
			}
		}
		b = binary.AppendUvarint(b, uint64(len(es)))
		for i := 0; i < len(es); {
			j := i + 1
			for j < len(es) && es[j].tok == es[i].tok {
				j++
			}
			b = binary.AppendUvarint(b, uint64(len(es[i].tok)))
			b = append(b, es[i].tok...)
			b = binary.AppendUvarint(b, uint64(j-i))
			for _, e := range es[i:j] {
				b = binary.AppendUvarint(b, uint64(num[e.doc]))
			}
			i = j
		}
	}
	return b
}

// LoadIndex reads a snapshot back. Strings share one copy of the bytes.
func LoadIndex(b []byte) (*Index, error) {
	if len(b) < len(snapshotMagic) || string(b[:len(snapshotMagic)]) != string(snapshotMagic) {
		return nil, ErrBadSnapshot
	}
	all := string(b) // one copy; every id and token is a substring of it
	p := len(snapshotMagic)
	uv := func() (int, bool) {
		v, k := binary.Uvarint(b[p:])
		if k <= 0 || v > uint64(len(b)) {
			return 0, false
		}
		p += k
		return int(v), true
	}
	str := func() (string, bool) {
		n, ok := uv()
		if !ok || n > len(b)-p {
			return "", false
		}
		s := all[p : p+n]
		p += n
		return s, true
	}
	n, ok := uv()
	if !ok {
		return nil, ErrBadSnapshot
	}
	ix := &Index{byID: make(map[string]int32, n), docs: make([]doc, n), order: make([]int32, n), rank: make([]int32, n)}
	// Tokens are cut from slabs rather than allocated per patient: a
	// million small allocations cost more than the decoding.
	var slab []token
	for i := range n {
		id, ok := str()
		if !ok {
			return nil, ErrBadSnapshot
		}
		nt, ok := uv()
		if !ok {
			return nil, ErrBadSnapshot
		}
		if nt > len(b)-p {
			return nil, ErrBadSnapshot
		}
		if nt > len(slab) {
			slab = make([]token, max(nt, 1<<14))
		}
		toks := slab[:nt:nt]
		slab = slab[nt:]
		for k := range toks {
			if p >= len(b) || b[p] >= nFields {
				return nil, ErrBadSnapshot
			}
			toks[k].field = b[p]
			p++
			if toks[k].tok, ok = str(); !ok {
				return nil, ErrBadSnapshot
			}
		}
		ix.docs[i] = doc{id: id, toks: toks, alive: true}
		ix.order[i], ix.rank[i] = int32(i), int32(i)
	}
	// The id map is filled on another core while the entries are read.
	dup := make(chan bool, 1)
	go func() {
		for i := range ix.docs {
			id := ix.docs[i].id
			if _, ok := ix.byID[id]; ok {
				dup <- true
				return
			}
			ix.byID[id] = int32(i)
		}
		dup <- false
	}()
	if err := ix.loadEntries(uv, str, func() int { return len(b) - p }, n); err != nil {
		<-dup
		return nil, err
	}
	if <-dup {
		return nil, ErrBadSnapshot
	}
	if p != len(b) {
		return nil, ErrBadSnapshot
	}
	return ix, nil
}

// loadEntries reads the sorted entries of each field class.
func (ix *Index) loadEntries(uv func() (int, bool), str func() (string, bool), left func() int, n int) error {
	for f := range nFields {
		ne, ok := uv()
		if !ok {
			return ErrBadSnapshot
		}
		if ne > left() {
			return ErrBadSnapshot
		}
		es := make([]entry, ne)
		for i := 0; i < ne; {
			tok, ok1 := str()
			run, ok2 := uv()
			if !ok1 || !ok2 || run == 0 || run > ne-i {
				return ErrBadSnapshot
			}
			for range run {
				d, ok := uv()
				if !ok || d >= n {
					return ErrBadSnapshot
				}
				es[i] = entry{tok: tok, doc: int32(d)}
				i++
			}
		}
		ix.sorted[f] = es
	}
	return nil
}

// ReplaceWith makes ix hold what o holds (o must not be used after).
func (ix *Index) ReplaceWith(o *Index) {
	o.mu.Lock()
	defer o.mu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.docs, ix.byID, ix.sorted, ix.pending, ix.npend, ix.dead = o.docs, o.byID, o.sorted, o.pending, o.npend, o.dead
	ix.order, ix.rank = o.order, o.rank
}
