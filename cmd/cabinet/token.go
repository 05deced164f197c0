package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/store"
	"github.com/cabinet-sante/cabinet/store/token"
)

// tokenSign asks the token (--pkcs11-module, PIN from --pin-file or the
// terminal) to sign the vault's challenge.
func (c *cli) tokenSign(challenge []byte) ([]byte, error) {
	if c.pkcs11 == "" {
		return nil, msg.New("Ce coffre demande sa carte (jeton PKCS#11) : indiquez --pkcs11-module CHEMIN (et --pin-file FICHIER).",
			"This vault needs its card (PKCS#11 token): give --pkcs11-module PATH (and --pin-file FILE).")
	}
	pin, err := c.pin()
	if err != nil {
		return nil, err
	}
	defer clear(pin)
	sig, err := token.Sign(c.pkcs11, pin, challenge)
	switch {
	case errors.Is(err, token.ErrPIN):
		return nil, msg.Wrap(err, "Code PIN refusé par la carte.", "The card refused the PIN.")
	case errors.Is(err, token.ErrNoToken):
		return nil, msg.Wrap(err, "Aucune carte dans le lecteur.", "No card in the reader.")
	case errors.Is(err, token.ErrModule):
		return nil, msg.Wrap(err, "Module PKCS#11 introuvable ou illisible : vérifiez --pkcs11-module.", "PKCS#11 module missing or unreadable: check --pkcs11-module.")
	case errors.Is(err, token.ErrNoKey):
		return nil, msg.Wrap(err, "La carte ne contient pas de clé de signature RSA.", "The card holds no RSA signing key.")
	case err != nil:
		return nil, msg.Wrap(err, "La carte n'a pas pu signer.", "The card could not sign.")
	}
	return sig, nil
}

func (c *cli) pin() ([]byte, error) {
	if c.pinFile != "" {
		b, err := os.ReadFile(c.pinFile)
		if err != nil {
			return nil, err
		}
		line, _, _ := strings.Cut(string(b), "\n")
		return []byte(strings.TrimSpace(line)), nil
	}
	if !c.stdinIsTerminal() {
		return nil, errors.New("--pin-file FILE is required when standard input is not a terminal: a PIN never goes on the command line")
	}
	fmt.Fprint(c.stderr, c.t("Code PIN de la carte : ", "Card PIN: "))
	p, err := term.ReadPassword(int(c.stdin.(*os.File).Fd()))
	fmt.Fprintln(c.stderr)
	return p, err
}

// cmdToken makes a PKCS#11 token (CPS card) the vault's second factor, or
// drops it (then the passphrase alone opens it; the recovery key always
// does).
func cmdToken(c *cli, args []string) error {
	usage := errors.New("usage: cabinet token set --pkcs11-module M [--pin-file F] | token remove [--pkcs11-module M --pin-file F]")
	if len(args) == 0 {
		return usage
	}
	sub, args := args[0], args[1:]
	fs := c.flags("token " + sub)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if sub != "set" && sub != "remove" {
		return usage
	}
	p, err := c.open()
	if err != nil {
		return err
	}
	defer p.Close()
	pass, err := c.passphrase(c.t("Phrase de passe (confirmation) :", "Passphrase (again):"))
	if err != nil {
		return err
	}
	defer clear(pass)
	if sub == "remove" {
		if err := p.SetKeyFile(pass, nil); err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, c.t("Le coffre ne demande plus de second facteur.", "The vault no longer asks for a second factor."))
		return nil
	}
	challenge := store.NewTokenChallenge()
	sig, err := c.tokenSign(challenge)
	if err != nil {
		return err
	}
	defer clear(sig)
	if err := p.SetToken(pass, challenge, sig); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, c.t("La carte est maintenant demandée à chaque ouverture, en plus de la phrase de passe.", "The card is now asked for at each unlock, besides the passphrase."))
	return nil
}
