package store

import (
	"crypto/hmac"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

const auditBucket = "audit"

// AuditEntry is one line of the audit journal. Object is a record id and
// Detail a short technical word: neither ever holds a name or other patient
// data.
type AuditEntry struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Object string    `json:"object,omitempty"`
	Detail string    `json:"detail,omitempty"`
	MAC    []byte    `json:"mac,omitempty"`
}

type auditHead struct {
	Seq uint64 `json:"seq"`
	MAC []byte `json:"mac"`
}

func (e AuditEntry) chainMAC(key, prev []byte) []byte {
	e.MAC = nil
	body, _ := json.Marshal(e)
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], e.Seq)
	return mac(key, []byte("audit"), prev, seq[:], body)
}

// Audit appends e to the journal in this transaction, so the entry and the
// change it records commit together or not at all.
func (t *Tx) Audit(e AuditEntry) error {
	if e.Actor == "" {
		e.Actor = t.v.opts.Actor
	}
	return t.appendAudit(e)
}

func (t *Tx) readHead() (auditHead, error) {
	var h auditHead
	raw := t.tx.Bucket(metaBucket).Get(auditHeadKey)
	if raw == nil {
		return h, nil
	}
	pt, err := open(t.k.records, raw, associatedData("meta", auditHeadKey))
	if err != nil || json.Unmarshal(pt, &h) != nil {
		return h, corrupt("audit journal", "its head does not authenticate")
	}
	return h, nil
}

func (t *Tx) appendAudit(e AuditEntry) error {
	b, err := t.bucket(auditBucket, true)
	if err != nil {
		return err
	}
	head, err := t.readHead()
	if err != nil {
		return err
	}
	if e.Time.IsZero() {
		e.Time = t.v.opts.Now()
	}
	e.Time = e.Time.UTC().Truncate(time.Millisecond)
	e.Seq = head.Seq + 1
	e.MAC = e.chainMAC(t.k.audit, head.MAC)
	body, _ := json.Marshal(e)
	key := binary.BigEndian.AppendUint64(nil, e.Seq)
	if err := b.Put(key, seal(t.k.records, body, associatedData(auditBucket, key))); err != nil {
		return err
	}
	hb, _ := json.Marshal(auditHead{Seq: e.Seq, MAC: e.MAC})
	return t.tx.Bucket(metaBucket).Put(auditHeadKey, seal(t.k.records, hb, associatedData("meta", auditHeadKey)))
}

// AuditBreak names the first entry of the journal that does not verify.
type AuditBreak struct {
	Seq    uint64
	Reason string
}

func (b *AuditBreak) Error() string {
	return fmt.Sprintf("audit journal broken at entry %d: %s", b.Seq, b.Reason)
}

// AuditReport is the result of [Vault.VerifyAudit].
type AuditReport struct {
	Entries uint64      // sequence number of the last entry
	Pruned  uint64      // entries removed behind the checkpoint
	Break   *AuditBreak // nil when the chain is intact
}

// checkpoint stands in for pruned entries: the chain resumes at Seq from
// Prev, the MAC of the last pruned entry. Sig, keyed with the audit key,
// proves the checkpoint was written by a holder of the keys.
type checkpoint struct {
	Seq    uint64    `json:"seq"`
	Prev   []byte    `json:"prev"`
	Pruned uint64    `json:"pruned"`
	Before time.Time `json:"before"`
	Sig    []byte    `json:"sig"`
}

func (c checkpoint) sign(key []byte) []byte {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], c.Seq)
	binary.BigEndian.PutUint64(b[8:], c.Pruned)
	return mac(key, []byte("audit checkpoint"), b[:], c.Prev, []byte(c.Before.UTC().Format(time.RFC3339Nano)))
}

func (t *Tx) readCheckpoint() (*checkpoint, error) {
	raw := t.tx.Bucket(metaBucket).Get(auditCPKey)
	if raw == nil {
		return nil, nil
	}
	pt, err := open(t.k.records, raw, associatedData("meta", auditCPKey))
	var c checkpoint
	if err != nil || json.Unmarshal(pt, &c) != nil || !hmac.Equal(c.Sig, c.sign(t.k.audit)) {
		return nil, corrupt("audit journal", "its checkpoint does not authenticate")
	}
	return &c, nil
}

// PruneAudit removes the entries older than before (the journal's
// retention period), always keeping the newest, behind a signed
// checkpoint so that the rest of the chain still verifies. It writes an
// entry saying how many were pruned and returns that number.
func (v *Vault) PruneAudit(before time.Time) (uint64, error) {
	var n uint64
	err := v.Update(func(tx *Tx) error {
		head, err := tx.readHead()
		if err != nil {
			return err
		}
		cp, err := tx.readCheckpoint()
		if err != nil {
			return err
		}
		b, _ := tx.bucket(auditBucket, false)
		if b == nil {
			return nil
		}
		var prev []byte
		var doomed [][]byte
		c := b.Cursor()
		for k, raw := c.First(); k != nil; k, raw = c.Next() {
			seq := binary.BigEndian.Uint64(k)
			if seq >= head.Seq {
				break
			}
			pt, err := open(tx.k.records, raw, associatedData(auditBucket, k))
			var e AuditEntry
			if err != nil || json.Unmarshal(pt, &e) != nil {
				return corrupt("audit journal", fmt.Sprintf("entry %d does not authenticate", seq))
			}
			if !e.Time.Before(before) {
				break
			}
			doomed = append(doomed, append([]byte(nil), k...))
			prev = e.MAC
		}
		if len(doomed) == 0 {
			return nil
		}
		for _, k := range doomed {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = uint64(len(doomed))
		next := checkpoint{Seq: binary.BigEndian.Uint64(doomed[len(doomed)-1]) + 1, Prev: prev, Pruned: n, Before: before.UTC()}
		if cp != nil {
			next.Pruned += cp.Pruned
		}
		next.Sig = next.sign(tx.k.audit)
		body, _ := json.Marshal(next)
		if err := tx.tx.Bucket(metaBucket).Put(auditCPKey, seal(tx.k.records, body, associatedData("meta", auditCPKey))); err != nil {
			return err
		}
		return tx.Audit(AuditEntry{Action: "audit.prune", Detail: fmt.Sprintf("entries=%d before=%s", n, before.UTC().Format(time.DateOnly))})
	})
	return n, err
}

// VerifyAudit walks the journal from its first entry, checking that each
// opens, that numbers follow without gap, and that each MAC chains to the
// previous one; the last entry must be the recorded head.
func (v *Vault) VerifyAudit() (AuditReport, error) {
	var rep AuditReport
	err := v.View(func(tx *Tx) error {
		var err error
		rep, err = tx.verifyAudit(nil)
		return err
	})
	return rep, err
}

// AuditEntries calls fn for every entry, oldest first.
func (v *Vault) AuditEntries(fn func(AuditEntry) error) error {
	return v.View(func(tx *Tx) error {
		_, err := tx.verifyAudit(fn)
		return err
	})
}

func (t *Tx) verifyAudit(fn func(AuditEntry) error) (AuditReport, error) {
	var rep AuditReport
	head, err := t.readHead()
	if err != nil {
		rep.Break = &AuditBreak{Seq: 0, Reason: "the journal head does not authenticate"}
		return rep, nil
	}
	b, _ := t.bucket(auditBucket, false)
	var prev []byte
	var want uint64 = 1
	cp, err := t.readCheckpoint()
	if err != nil {
		rep.Break = &AuditBreak{Seq: 0, Reason: "the checkpoint of pruned entries does not authenticate"}
		return rep, nil
	}
	if cp != nil {
		want, prev, rep.Pruned = cp.Seq, cp.Prev, cp.Pruned
		rep.Entries = cp.Seq - 1
	}
	if b != nil {
		c := b.Cursor()
		for k, raw := c.First(); k != nil; k, raw = c.Next() {
			if len(k) != 8 {
				rep.Break = &AuditBreak{Seq: want, Reason: "an entry has a malformed key"}
				return rep, nil
			}
			seq := binary.BigEndian.Uint64(k)
			if seq != want {
				rep.Break = &AuditBreak{Seq: want, Reason: "the entry is missing (deleted)"}
				return rep, nil
			}
			pt, err := open(t.k.records, raw, associatedData(auditBucket, k))
			var e AuditEntry
			if err != nil || json.Unmarshal(pt, &e) != nil {
				rep.Break = &AuditBreak{Seq: seq, Reason: "the entry does not authenticate (modified or moved)"}
				return rep, nil
			}
			if e.Seq != seq || !hmac.Equal(e.MAC, e.chainMAC(t.k.audit, prev)) {
				rep.Break = &AuditBreak{Seq: seq, Reason: "the entry does not chain to the previous one (rewritten)"}
				return rep, nil
			}
			if fn != nil {
				if err := fn(e); err != nil {
					return rep, err
				}
			}
			prev = e.MAC
			rep.Entries = seq
			want++
		}
	}
	if rep.Entries != head.Seq || !hmac.Equal(prev, head.MAC) {
		rep.Break = &AuditBreak{Seq: rep.Entries + 1, Reason: "entries at the end of the journal are missing"}
	}
	return rep, nil
}
