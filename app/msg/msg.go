// Package msg turns errors into messages a practitioner can act on, in
// French and English. A message never carries patient data or a Go error
// string.
package msg

import (
	"errors"
	"strings"

	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/store"
)

// Error is an error with a message for the practitioner in French and
// English. Err, if set, is the cause, for errors.Is.
type Error struct {
	FR, EN string
	Err    error
}

func (e *Error) Error() string { return e.EN }
func (e *Error) Unwrap() error { return e.Err }

// New returns an Error with both messages.
func New(fr, en string) *Error { return &Error{FR: fr, EN: en} }

// Wrap attaches messages to a cause.
func Wrap(err error, fr, en string) *Error { return &Error{FR: fr, EN: en, Err: err} }

// Lang is "fr" or "en".
type Lang string

const (
	FR Lang = "fr"
	EN Lang = "en"
)

// Text returns the message for err in lang: validation errors list their
// fields, store errors say what to do.
func Text(err error, lang Lang) string {
	if err == nil {
		return ""
	}
	pick := func(fr, en string) string {
		if lang == EN {
			return en
		}
		return fr
	}
	var me *Error
	if errors.As(err, &me) {
		return pick(me.FR, me.EN)
	}
	var ves patient.ValidationErrors
	if errors.As(err, &ves) {
		parts := make([]string, 0, len(ves))
		for _, fe := range ves {
			parts = append(parts, pick(fe.FR, fe.EN))
		}
		return strings.Join(parts, " ; ")
	}
	var fe *patient.FieldError
	if errors.As(err, &fe) {
		return pick(fe.FR, fe.EN)
	}
	var ce *store.CorruptError
	if errors.As(err, &ce) {
		return pick("Le coffre est endommagé ("+ce.Where+" : "+ce.Why+"). Restaurez une sauvegarde.",
			"The vault is damaged ("+ce.Where+": "+ce.Why+"). Restore a backup.")
	}
	switch {
	case errors.Is(err, store.ErrWrongPassphrase):
		return pick("Phrase de passe incorrecte.", "Wrong passphrase.")
	case errors.Is(err, store.ErrKeyFileNeeded):
		return pick("Ce coffre demande aussi son fichier clé (second facteur) : indiquez-le.", "This vault also needs its key file (second factor): give it.")
	case errors.Is(err, store.ErrWrongRecoveryKey):
		return pick("Clé de secours incorrecte.", "Wrong recovery key.")
	case errors.Is(err, store.ErrAlreadyOpen):
		return pick("Le coffre est déjà ouvert dans une autre fenêtre ou un autre programme Cabinet. Fermez-le d'abord.",
			"The vault is already open in another Cabinet window or process. Close it first.")
	case errors.Is(err, store.ErrNoVault):
		return pick("Aucun coffre dans ce dossier. Créez-en un avec « cabinet init ».",
			"No vault in this folder. Create one with \"cabinet init\".")
	case errors.Is(err, store.ErrVaultExists):
		return pick("Un coffre existe déjà dans ce dossier.", "A vault already exists in this folder.")
	case errors.Is(err, store.ErrLocked):
		return pick("Le coffre est verrouillé : déverrouillez-le.", "The vault is locked: unlock it.")
	case errors.Is(err, store.ErrNotFound):
		return pick("Introuvable.", "Not found.")
	case errors.Is(err, store.ErrReadOnly):
		return pick("Le dossier du coffre n'est pas accessible en écriture : vérifiez ses droits ou le disque.",
			"The vault folder cannot be written: check its permissions or the disk.")
	case errors.Is(err, store.ErrBadID):
		return pick("Identifiant invalide (32 caractères hexadécimaux attendus).", "Invalid id (32 hexadecimal characters expected).")
	case errors.Is(err, store.ErrDiskFull), strings.Contains(err.Error(), "no space left"):
		return pick("Le disque est plein : libérez de la place puis recommencez. Rien n'a été perdu.",
			"The disk is full: free some space and try again. Nothing was lost.")
	}
	return pick("Opération impossible : ", "Operation failed: ") + err.Error()
}
