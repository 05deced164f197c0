// Package token makes a PKCS#11 token (the CPS card of French health
// professionals, or any smart card or HSM) the vault's second factor: the
// token signs the vault's random challenge with its RSA private key, and
// the signature, deterministic for RSA PKCS#1 v1.5, takes part in the key
// derivation (see store.Vault.SetToken). The private key never leaves the
// token; without the token and its PIN the passphrase alone opens nothing.
package token

import (
	"errors"
	"fmt"

	"github.com/miekg/pkcs11"
)

// Errors callers branch on.
var (
	// ErrNoToken: the module sees no token (card not inserted).
	ErrNoToken = errors.New("no token present")
	// ErrPIN: the token refused the PIN.
	ErrPIN = errors.New("the token refused the PIN")
	// ErrNoKey: the token holds no RSA private key to sign with.
	ErrNoKey = errors.New("the token holds no RSA private key")
	// ErrModule: the PKCS#11 module cannot be loaded.
	ErrModule = errors.New("cannot load the PKCS#11 module")
)

// Sign signs challenge with the first RSA private key of the first token
// the module (a PKCS#11 library path) sees, after logging in with pin.
func Sign(module string, pin, challenge []byte) ([]byte, error) {
	ctx := pkcs11.New(module)
	if ctx == nil {
		return nil, ErrModule
	}
	defer ctx.Destroy()
	if err := ctx.Initialize(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModule, err)
	}
	defer ctx.Finalize()
	slots, err := ctx.GetSlotList(true)
	if err != nil {
		return nil, fmt.Errorf("token slots: %w", err)
	}
	if len(slots) == 0 {
		return nil, ErrNoToken
	}
	session, err := ctx.OpenSession(slots[0], pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		return nil, fmt.Errorf("token session: %w", err)
	}
	defer ctx.CloseSession(session)
	if err := ctx.Login(session, pkcs11.CKU_USER, string(pin)); err != nil {
		var e pkcs11.Error
		if errors.As(err, &e) && (e == pkcs11.CKR_PIN_INCORRECT || e == pkcs11.CKR_PIN_LEN_RANGE || e == pkcs11.CKR_PIN_LOCKED) {
			return nil, ErrPIN
		}
		return nil, fmt.Errorf("token login: %w", err)
	}
	defer ctx.Logout(session)
	if err := ctx.FindObjectsInit(session, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
	}); err != nil {
		return nil, fmt.Errorf("token search: %w", err)
	}
	keys, _, err := ctx.FindObjects(session, 1)
	ctx.FindObjectsFinal(session)
	if err != nil {
		return nil, fmt.Errorf("token search: %w", err)
	}
	if len(keys) == 0 {
		return nil, ErrNoKey
	}
	if err := ctx.SignInit(session, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_SHA256_RSA_PKCS, nil)}, keys[0]); err != nil {
		return nil, fmt.Errorf("token sign: %w", err)
	}
	sig, err := ctx.Sign(session, challenge)
	if err != nil {
		return nil, fmt.Errorf("token sign: %w", err)
	}
	return sig, nil
}
