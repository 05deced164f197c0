package store

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"io"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

const (
	keySize     = chacha20poly1305.KeySize    // 32
	nonceSize   = chacha20poly1305.NonceSizeX // 24
	sealVersion = 1
	// SchemaVersion is the version of the record layout; it is part of every
	// value's associated data.
	SchemaVersion = 1
)

// KDFParams are the Argon2id parameters stored in the vault header.
type KDFParams struct {
	Time    uint32 `json:"time"`
	Memory  uint32 `json:"memory_kib"`
	Threads uint8  `json:"threads"`
}

// DefaultKDF is RFC 9106's second recommended setting (t=3, 64 MiB, p=4),
// the floor for real vaults. [Create] raises Time until derivation takes
// about half a second on the machine, unless Options.KDF is set.
var DefaultKDF = KDFParams{Time: 3, Memory: 64 * 1024, Threads: 4}

// TestKDF is cheap, for tests only.
var TestKDF = KDFParams{Time: 1, Memory: 8, Threads: 1}

func deriveKEK(pass, salt []byte, p KDFParams) []byte {
	return argon2.IDKey(pass, salt, p.Time, p.Memory, p.Threads, keySize)
}

// subKey derives a purpose-bound key from the data key.
func subKey(dataKey []byte, purpose string) []byte {
	k := make([]byte, keySize)
	r := hkdf.New(sha256.New, dataKey, nil, []byte("cabinet/v1 "+purpose))
	if _, err := io.ReadFull(r, k); err != nil {
		panic("hkdf: " + err.Error()) // cannot happen for 32 bytes
	}
	return k
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error()) // never returns an error on supported systems
	}
	return b
}

// associatedData binds a sealed value to where it lives.
func associatedData(bucket string, key []byte) []byte {
	return appendAssociatedData(make([]byte, 0, 32+len(bucket)+len(key)), bucket, key)
}

// appendAssociatedData appends what associatedData returns to ad.
func appendAssociatedData(ad []byte, bucket string, key []byte) []byte {
	ad = append(ad, "cabinet/v1\x00"...)
	ad = binary.BigEndian.AppendUint16(ad, SchemaVersion)
	ad = binary.BigEndian.AppendUint16(ad, uint16(len(bucket)))
	ad = append(ad, bucket...)
	ad = binary.BigEndian.AppendUint16(ad, uint16(len(key)))
	ad = append(ad, key...)
	return ad
}

var errOpen = errors.New("value does not authenticate")

// seal encrypts plaintext under key with a random nonce.
func seal(key, plaintext, ad []byte) []byte {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		panic(err) // key size is fixed
	}
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+aead.Overhead())
	out[0] = sealVersion
	copy(out[1:], randomBytes(nonceSize))
	return aead.Seal(out, out[1:1+nonceSize], plaintext, ad)
}

// open decrypts a value made by seal. Any change to the value, the key or the
// associated data gives errOpen.
func open(key, sealed, ad []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	return openWith(aead, nil, sealed, ad)
}

// openWith is open with the cipher made once, decrypting into dst's
// storage, for passes over many values (a backup's check).
func openWith(aead cipher.AEAD, dst, sealed, ad []byte) ([]byte, error) {
	if len(sealed) < 1+nonceSize+chacha20poly1305.Overhead || sealed[0] != sealVersion {
		return nil, errOpen
	}
	pt, err := aead.Open(dst, sealed[1:1+nonceSize], sealed[1+nonceSize:], ad)
	if err != nil {
		return nil, errOpen
	}
	return pt, nil
}

func mac(key []byte, parts ...[]byte) []byte {
	h := hmac.New(sha256.New, key)
	for _, p := range parts {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	return h.Sum(nil)
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

// Recovery keys are 160 random bits written as 32 base32 characters in
// groups of four: "K7QD-2M4X-...". Letters are case-insensitive and the
// dashes and spaces optional when typed back.
var recoveryEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func newRecoveryKey() (display string, secret []byte) {
	secret = randomBytes(20)
	s := recoveryEncoding.EncodeToString(secret)
	var groups []string
	for i := 0; i < len(s); i += 4 {
		groups = append(groups, s[i:i+4])
	}
	return strings.Join(groups, "-"), secret
}

func parseRecoveryKey(s string) ([]byte, error) {
	s = strings.ToUpper(strings.NewReplacer("-", "", " ", "", "\t", "").Replace(strings.TrimSpace(s)))
	b, err := recoveryEncoding.DecodeString(s)
	if err != nil || len(b) != 20 {
		return nil, ErrWrongRecoveryKey
	}
	return b, nil
}

func recoveryKEK(secret, salt []byte) []byte {
	k := make([]byte, keySize)
	r := hkdf.New(sha256.New, secret, salt, []byte("cabinet/v1 recovery"))
	if _, err := io.ReadFull(r, k); err != nil {
		panic("hkdf: " + err.Error())
	}
	return k
}
