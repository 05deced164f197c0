package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"

	"github.com/cabinet-sante/cabinet/app/practice"
)

// cmdKeyFile manages the key file second factor: the passphrase and the
// file (kept on removable media) are both needed to unlock; the recovery
// key still opens the vault alone.
func cmdKeyFile(c *cli, args []string) error {
	usage := errors.New("usage: cabinet keyfile create --out FILE | keyfile set --file FILE [--key-file CURRENT] | keyfile remove [--key-file CURRENT]")
	if len(args) == 0 {
		return usage
	}
	sub, args := args[0], args[1:]
	fs := c.flags("keyfile " + sub)
	out := fs.String("out", "", "where to write the new key file (removable media)")
	file := fs.String("file", "", "the key file to require from now on")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	switch sub {
	case "create":
		if *out == "" {
			return usage
		}
		key := make([]byte, 64)
		rand.Read(key)
		f, err := os.OpenFile(*out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o400)
		if err != nil {
			return fmt.Errorf("%s: %w (an existing key file is never overwritten)", *out, err)
		}
		if _, err := f.Write(key); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, *out)
		return nil
	case "set", "remove":
		var key []byte
		if sub == "set" {
			if *file == "" {
				return usage
			}
			var err error
			if key, err = os.ReadFile(*file); err != nil {
				return err
			}
			if len(key) < 32 {
				return errors.New(c.t("fichier clé trop court : créez-en un avec cabinet keyfile create", "key file too short: make one with cabinet keyfile create"))
			}
		}
		// The passphrase is read once: it opens the vault and proves the
		// change.
		p, err := practice.Open(c.vault, c.options())
		if err != nil {
			return err
		}
		defer p.Close()
		pass, err := c.passphrase(c.t("Phrase de passe :", "Passphrase:"))
		if err != nil {
			return err
		}
		defer clear(pass)
		var current []byte
		if c.keyFile != "" {
			if current, err = os.ReadFile(c.keyFile); err != nil {
				return err
			}
		}
		if err := p.UnlockWith(pass, current); err != nil {
			return err
		}
		if err := p.SetKeyFile(pass, key); err != nil {
			return err
		}
		if sub == "set" {
			fmt.Fprintln(c.stdout, c.t("Le coffre demande désormais la phrase de passe et ce fichier clé (la clé de secours l'ouvre toujours seule).",
				"The vault now needs the passphrase and this key file (the recovery key still opens it alone)."))
		} else {
			fmt.Fprintln(c.stdout, c.t("Second facteur retiré : la phrase de passe suffit.", "Second factor removed: the passphrase is enough."))
		}
		return nil
	}
	return usage
}
