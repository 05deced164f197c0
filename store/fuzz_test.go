package store

import (
	"bytes"
	"testing"
)

// FuzzOpenSealed: arbitrary bytes never open, never panic; a sealed value
// opens only with its own bucket and key.
func FuzzOpenSealed(f *testing.F) {
	key := bytes.Repeat([]byte{7}, keySize)
	f.Add(seal(key, []byte("hello"), associatedData("patients", []byte("k1"))), "patients", []byte("k1"))
	f.Add([]byte{1}, "patients", []byte("k1"))
	f.Add([]byte{}, "", []byte{})
	f.Fuzz(func(t *testing.T, sealed []byte, bucket string, k []byte) {
		pt, err := open(key, sealed, associatedData(bucket, k))
		if err == nil && !(bucket == "patients" && bytes.Equal(k, []byte("k1")) && string(pt) == "hello") {
			t.Fatalf("opened a value that was not sealed here: %q", pt)
		}
	})
}

// FuzzDecodeHeader: a damaged header is an ErrCorrupt, never a panic, and a
// header that decodes has sane parameters.
func FuzzDecodeHeader(f *testing.F) {
	h := &header{Format: 1, KDF: TestKDF, Salt: make([]byte, 16), RecoverySalt: make([]byte, 16), FailBoxPublic: make([]byte, 32)}
	f.Add(h.encode())
	f.Add([]byte(`{"format":1}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := decodeHeader(b)
		if err != nil {
			if _, ok := err.(*CorruptError); !ok {
				t.Fatalf("error %v is not a CorruptError", err)
			}
			return
		}
		if d.KDF.Memory < 8 || d.KDF.Time == 0 || len(d.Salt) < 16 {
			t.Fatalf("accepted header with bad parameters: %+v", d.KDF)
		}
	})
}

// FuzzParseRecoveryKey: any text either parses to 20 bytes or is refused.
func FuzzParseRecoveryKey(f *testing.F) {
	display, _ := newRecoveryKey()
	f.Add(display)
	f.Add("abcd-efgh")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := parseRecoveryKey(s)
		if err == nil && len(b) != 20 {
			t.Fatalf("parsed %d bytes", len(b))
		}
	})
}
