package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
)

const formatVersion = 1

// header is the vault's only clear value. It holds no date, name or count.
type header struct {
	Format        int       `json:"format"`
	KDF           KDFParams `json:"kdf"`
	Salt          []byte    `json:"salt"`
	ByPassphrase  []byte    `json:"data_key_by_passphrase"`
	RecoverySalt  []byte    `json:"recovery_salt"`
	ByRecovery    []byte    `json:"data_key_by_recovery"`
	FailBoxPublic []byte    `json:"failed_unlock_box"`
	// KeyFile: the passphrase alone does not open the vault; a key file
	// (kept on removable media) takes part in the key derivation.
	KeyFile bool `json:"key_file,omitempty"`
	// TokenChallenge: the second factor is a PKCS#11 token's signature of
	// this random challenge (a CPS card signs deterministically), not a
	// key file.
	TokenChallenge []byte `json:"token_challenge,omitempty"`
	Check          string `json:"check"`
}

func (h *header) checksum() string {
	c := *h
	c.Check = ""
	b, _ := json.Marshal(c)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (h *header) encode() []byte {
	h.Check = h.checksum()
	b, _ := json.Marshal(h)
	return b
}

func decodeHeader(b []byte) (*header, error) {
	if b == nil {
		return nil, corrupt("header", "missing: this file is not a Cabinet vault")
	}
	var h header
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, corrupt("header", "unreadable")
	}
	if h.Check != h.checksum() {
		return nil, corrupt("header", "checksum mismatch")
	}
	if h.Format != formatVersion {
		return nil, corrupt("header", "unknown format version (made by a newer Cabinet?)")
	}
	if len(h.Salt) < 16 || len(h.RecoverySalt) < 16 || len(h.FailBoxPublic) != 32 ||
		h.KDF.Time == 0 || h.KDF.Memory < 8 || h.KDF.Threads == 0 || h.KDF.Time > 100 || h.KDF.Memory > 4<<20 {
		return nil, corrupt("header", "invalid parameters")
	}
	return &h, nil
}

// wrapAD binds a wrapped data key to its purpose: the passphrase wrapping to
// the KDF settings and salt (so lowering the stored parameters makes
// unwrapping fail), the recovery wrapping to its own salt. Changing the
// passphrase leaves the recovery wrapping valid.
func (h *header) wrapAD(purpose string) []byte {
	ad := []byte("cabinet/v1 wrap " + purpose)
	if purpose != "passphrase" {
		return append(ad, h.RecoverySalt...)
	}
	ad = binary.BigEndian.AppendUint32(ad, h.KDF.Time)
	ad = binary.BigEndian.AppendUint32(ad, h.KDF.Memory)
	ad = append(ad, h.KDF.Threads)
	return append(ad, h.Salt...)
}
