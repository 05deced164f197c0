package token_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"github.com/cabinet-sante/cabinet/store"
	"github.com/cabinet-sante/cabinet/store/token"
	"github.com/cabinet-sante/cabinet/store/token/softhsm"
)

var pass = []byte("une phrase de passe assez longue")

func TestATokenIsASecondFactorInTheKeyDerivation(t *testing.T) {
	module := softhsm.New(t)
	challenge := store.NewTokenChallenge()
	sig, err := token.Sign(module, []byte(softhsm.PIN), challenge)
	if err != nil {
		t.Fatal(err)
	}
	again, err := token.Sign(module, []byte(softhsm.PIN), challenge)
	if err != nil || !bytes.Equal(sig, again) {
		t.Fatal("the token's signature is not deterministic: it cannot be a key factor")
	}
	if _, err := token.Sign(module, []byte("000000"), challenge); !errors.Is(err, token.ErrPIN) {
		t.Fatalf("wrong PIN: %v, want ErrPIN", err)
	}
	if _, err := token.Sign(filepath.Join(t.TempDir(), "none.so"), []byte(softhsm.PIN), challenge); !errors.Is(err, token.ErrModule) {
		t.Fatalf("missing module: %v, want ErrModule", err)
	}

	dir := t.TempDir()
	v, rk, err := store.Create(dir, pass, &store.Options{KDF: &store.TestKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.SetToken(pass, challenge, sig); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	got := v.TokenChallenge()
	if !bytes.Equal(got, challenge) {
		t.Fatal("the vault does not say which challenge the token must sign")
	}
	if err := v.Unlock(pass); !errors.Is(err, store.ErrKeyFileNeeded) {
		t.Fatalf("passphrase alone: %v, want ErrKeyFileNeeded", err)
	}
	if err := v.UnlockWith(pass, []byte("not the signature")); !errors.Is(err, store.ErrWrongPassphrase) {
		t.Fatalf("a wrong signature: %v", err)
	}
	fresh, err := token.Sign(module, []byte(softhsm.PIN), got)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.UnlockWith(pass, fresh); err != nil {
		t.Fatalf("passphrase and token: %v", err)
	}
	v.Lock()
	if err := v.UnlockWithRecovery(rk); err != nil {
		t.Fatalf("the recovery key no longer opens the vault alone: %v", err)
	}
	// Losing the token: after a recovery-key unlock, a new passphrase
	// alone opens the vault again.
	if err := v.SetPassphrase(pass); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	if v.TokenChallenge() != nil {
		t.Fatal("the token is still required after it was dropped")
	}
	if err := v.Unlock(pass); err != nil {
		t.Fatal(err)
	}
}
