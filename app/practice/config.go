package practice

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/store"
)

// Config keys: the practice's non-secret settings, which support may
// read and set during a granted session.
const (
	CfgIdleLock   = "lock.idle"    // duration before the automatic lock, 0 = never
	CfgLang       = "ui.lang"      // fr or en
	CfgBackupKeep = "backup.keep"  // how many automatic backups to keep
	CfgBackupDir  = "backup.dir"   // where automatic backups go ("" = the vault's backups folder)
	CfgBackupHour = "backup.daily" // hour of the daily backup, -1 = off
)

var configDefaults = map[string]string{
	CfgIdleLock: "5m", CfgLang: "fr", CfgBackupKeep: "14", CfgBackupDir: "", CfgBackupHour: "12",
}

func checkConfig(key, value string) error {
	bad := func(fr, en string) error { return msg.New(key+" : "+fr, key+": "+en) }
	switch key {
	case CfgIdleLock:
		d, err := time.ParseDuration(value)
		if err != nil || d < 0 || (d > 0 && d < time.Minute) || d > 8*time.Hour {
			return bad("une durée entre 1m et 8h, ou 0 pour jamais (ex. 5m)", "a duration between 1m and 8h, or 0 for never (e.g. 5m)")
		}
	case CfgLang:
		if value != "fr" && value != "en" {
			return bad("fr ou en", "fr or en")
		}
	case CfgBackupKeep:
		if n, err := strconv.Atoi(value); err != nil || n < 1 || n > 365 {
			return bad("un nombre entre 1 et 365", "a number between 1 and 365")
		}
	case CfgBackupHour:
		if n, err := strconv.Atoi(value); err != nil || n < -1 || n > 23 {
			return bad("une heure entre 0 et 23, ou -1 pour aucune sauvegarde automatique", "an hour between 0 and 23, or -1 for none")
		}
	case CfgBackupDir:
	default:
		return msg.New("Réglage inconnu : "+key, "Unknown setting: "+key)
	}
	return nil
}

func configKey(tx *store.Tx) store.ID { return tx.NamedID("config") }

// Config returns every setting, defaults filled in.
func (p *Practice) Config(ctx context.Context) (map[string]string, error) {
	out := maps.Clone(configDefaults)
	var saved map[string]string
	err := p.vault.View(func(tx *store.Tx) error { return tx.GetJSON(bSettings, configKey(tx), &saved) })
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	maps.Copy(out, saved)
	return out, nil
}

// ConfigKeys lists the settings in order.
func ConfigKeys() []string { return slices.Sorted(maps.Keys(configDefaults)) }

// SetConfig changes one setting after checking its value; who is written
// in the audit journal ("practitioner", "support: NAME").
func (p *Practice) SetConfig(ctx context.Context, key, value, who string) error {
	if err := checkConfig(key, value); err != nil {
		return err
	}
	return p.vault.Update(func(tx *store.Tx) error {
		saved := map[string]string{}
		if err := tx.GetJSON(bSettings, configKey(tx), &saved); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		saved[key] = value
		if err := tx.PutJSON(bSettings, configKey(tx), saved); err != nil {
			return err
		}
		return tx.Audit(store.AuditEntry{Actor: who, Action: "settings.config", Object: key, Detail: fmt.Sprintf("%s=%s", key, value)})
	})
}

// IdleLock is the configured automatic-lock delay (0: never).
func (p *Practice) IdleLock(ctx context.Context) time.Duration {
	c, err := p.Config(ctx)
	if err != nil {
		return 5 * time.Minute
	}
	d, err := time.ParseDuration(c[CfgIdleLock])
	if err != nil {
		return 5 * time.Minute
	}
	return d
}
