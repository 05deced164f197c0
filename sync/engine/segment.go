package engine

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cabinet-sante/cabinet/store"
	"golang.org/x/crypto/chacha20poly1305"
)

// Stamp says which device's edit set a field: the device and that
// device's edit count on the record at that moment.
type Stamp struct {
	D string `json:"d"`
	C uint64 `json:"c"`
}

// Change is one record's new state (or tombstone) and its version.
type Change struct {
	Bucket string           `json:"b"`
	ID     store.ID         `json:"i"`
	H      HLC              `json:"h"`
	V      VV               `json:"v"`
	F      map[string]Stamp `json:"f,omitempty"`
	Del    bool             `json:"x,omitempty"`
	Value  []byte           `json:"-"`
}

// Sealed objects: magic, 24-byte nonce, XChaCha20-Poly1305 ciphertext whose
// associated data is the object's name, so an object cannot be passed off
// under another name.
var objectMagic = []byte("CBS1")

// Errors of the object format.
var (
	// ErrUnauthentic: an object does not open with the practice's sync key
	// (tampered, truncated, another practice's, or half written).
	ErrUnauthentic = errors.New("object does not authenticate")
	// ErrBadSegment: an authenticated segment does not decode (a bug or a
	// newer format).
	ErrBadSegment = errors.New("segment does not decode")
)

func sealObject(key []byte, name string, plain []byte) []byte {
	a, err := chacha20poly1305.NewX(key)
	if err != nil {
		panic("sync key: " + err.Error()) // keys are always 32 bytes
	}
	out := make([]byte, len(objectMagic)+a.NonceSize(), len(objectMagic)+a.NonceSize()+len(plain)+a.Overhead())
	copy(out, objectMagic)
	if _, err := rand.Read(out[len(objectMagic):]); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return a.Seal(out, out[len(objectMagic):], plain, []byte("cabinet/v1 object "+name))
}

func openObject(key []byte, name string, obj []byte) ([]byte, error) {
	a, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	n := len(objectMagic) + a.NonceSize()
	if len(obj) < n+a.Overhead() || !bytes.Equal(obj[:len(objectMagic)], objectMagic) {
		return nil, ErrUnauthentic
	}
	pt, err := a.Open(nil, obj[len(objectMagic):n], obj[n:], []byte("cabinet/v1 object "+name))
	if err != nil {
		return nil, ErrUnauthentic
	}
	return pt, nil
}

var segmentMagic = []byte("CSG1")

// encodeSegment writes changes as: magic, then per change a length-prefixed
// JSON header and a length-prefixed value.
func encodeSegment(cs []Change) []byte {
	var b bytes.Buffer
	b.Write(segmentMagic)
	var n [binary.MaxVarintLen64]byte
	for _, c := range cs {
		h, _ := json.Marshal(c)
		b.Write(n[:binary.PutUvarint(n[:], uint64(len(h)))])
		b.Write(h)
		b.Write(n[:binary.PutUvarint(n[:], uint64(len(c.Value)))])
		b.Write(c.Value)
	}
	return b.Bytes()
}

// decodeSegment reads what encodeSegment wrote. It never panics on bad
// input (a fuzz target holds it to that).
func decodeSegment(p []byte) ([]Change, error) {
	if !bytes.HasPrefix(p, segmentMagic) {
		return nil, ErrBadSegment
	}
	p = p[len(segmentMagic):]
	var out []Change
	next := func() ([]byte, error) {
		l, k := binary.Uvarint(p)
		if k <= 0 || l > uint64(len(p)-k) {
			return nil, ErrBadSegment
		}
		v := p[k : k+int(l)]
		p = p[k+int(l):]
		return v, nil
	}
	for len(p) > 0 {
		h, err := next()
		if err != nil {
			return nil, err
		}
		var c Change
		if err := json.Unmarshal(h, &c); err != nil {
			return nil, fmt.Errorf("%w: header", ErrBadSegment)
		}
		if c.Bucket == "" || c.H.Dev == "" || len(c.V) == 0 {
			return nil, fmt.Errorf("%w: incomplete change", ErrBadSegment)
		}
		v, err := next()
		if err != nil {
			return nil, err
		}
		if !c.Del {
			c.Value = append([]byte(nil), v...)
		}
		out = append(out, c)
	}
	return out, nil
}
