// Package syncer runs the sync engine for a practice: turning sync on and
// off, joining a practice from a new device, runs on demand and on a
// schedule. The engine (package sync/engine) knows the protocol; the
// practice (app/practice) knows which records are shared and which
// patients must stay on the device; the S3 client (package sync/s3) talks
// to the host. This package wires the three.
package syncer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/store"
	"github.com/cabinet-sante/cabinet/sync/engine"
	"github.com/cabinet-sante/cabinet/sync/s3"
)

func init() { practice.AtUnlock(attach) }

// engines holds the engine of each unlocked practice with sync on.
var engines sync.Map // *practice.Practice → *engine.Engine

// running holds the cancel function of each practice's sync run in
// progress, so that turning sync off stops its traffic at once.
var running sync.Map // *practice.Practice → *runHandle

type runHandle struct{ cancel context.CancelFunc }

// attach installs the engine's change hook on a practice whose vault has
// sync on, so that every change made from now on is queued for sending.
func attach(p *practice.Practice) error {
	st, err := engine.ReadStatus(p.Vault())
	if err != nil || !st.On {
		return err
	}
	e, err := engine.New(p.Vault(), config(p))
	if err != nil {
		return err
	}
	if old, ok := engines.Swap(p, e); ok {
		old.(*engine.Engine).Use(nil, nil)
	}
	p.OnLock(func() { engines.CompareAndDelete(p, e) })
	return nil
}

func config(p *practice.Practice) engine.Config {
	return engine.Config{Tracked: p.SyncTracked, PatientOf: p.SyncPatientOf, Excluded: p.SyncExcluded}
}

// Remote opens the account's bucket.
func Remote(a practice.SyncAccount) (*s3.Client, error) {
	c, err := s3.New(s3.Config{Endpoint: a.Endpoint, Bucket: a.Bucket, AccessKey: a.AccessKey, SecretKey: a.SecretKey, CAPEM: []byte(a.CA)})
	if err != nil {
		return nil, Explain(err)
	}
	return c, nil
}

// Explain turns a transport or protocol error into a message the
// practitioner can act on.
func Explain(err error) error {
	var m *msg.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &m):
		return err
	case errors.Is(err, s3.ErrDNS):
		return msg.Wrap(err, "Serveur introuvable : vérifiez l'adresse du serveur et la connexion à Internet.", "Server not found: check the server address and the Internet connection.")
	case errors.Is(err, s3.ErrTLS):
		return msg.Wrap(err, "Le certificat du serveur n'est pas valide ou pas reconnu : vérifiez l'adresse, ou le certificat d'autorité fourni par l'hébergeur.", "The server's certificate is not valid or not trusted: check the address, or the CA certificate provided by the host.")
	case errors.Is(err, s3.ErrAuth):
		return msg.Wrap(err, "Clés d'accès refusées par l'hébergeur : vérifiez la clé d'accès et la clé secrète.", "The host refused the access keys: check the access key and the secret key.")
	case errors.Is(err, s3.ErrNoBucket):
		return msg.Wrap(err, "Ce compartiment (bucket) n'existe pas chez l'hébergeur : vérifiez son nom.", "This bucket does not exist at the host: check its name.")
	case errors.Is(err, s3.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return msg.Wrap(err, "Le serveur ne répond pas : la synchronisation reprendra plus tard, rien n'est perdu.", "The server does not answer: sync will resume later, nothing is lost.")
	case errors.Is(err, engine.ErrOtherPractice):
		return msg.Wrap(err, "Ce compartiment contient les données d'un autre cabinet (ou une autre clé de secours) : choisissez un compartiment vide ou celui de votre cabinet.", "This bucket holds another practice's data (or another recovery key): choose an empty bucket or your practice's.")
	case errors.Is(err, engine.ErrNotJoined):
		return msg.Wrap(err, "Ce compartiment ne contient encore aucun cabinet : activez d'abord la synchronisation sur le premier poste.", "This bucket holds no practice yet: turn sync on on the first device first.")
	case errors.Is(err, engine.ErrUnauthentic), errors.Is(err, engine.ErrBadSegment):
		return msg.Wrap(err, "Un fichier du serveur est illisible ou a été modifié : il est ignoré, vos données locales sont intactes.", "A file on the server is unreadable or was changed: it is ignored, your local data is intact.")
	case errors.Is(err, engine.ErrOff):
		return msg.Wrap(err, "La synchronisation n'est pas activée sur ce poste.", "Sync is not turned on on this device.")
	}
	return msg.Wrap(err, "La synchronisation a échoué (réseau) : elle reprendra au prochain essai, rien n'est perdu.", "Sync failed (network): it will resume at the next try, nothing is lost.")
}

// Enable turns sync on: it checks the account against the host, records the
// host as a recipient in the register of processing, sets the device's
// invoice series and queues every shared record for the first upload.
func Enable(ctx context.Context, p *practice.Practice, a practice.SyncAccount) (engine.Status, error) {
	if err := a.Validate(); err != nil {
		return engine.Status{}, err
	}
	r, err := Remote(a)
	if err != nil {
		return engine.Status{}, err
	}
	if err := r.Check(ctx); err != nil {
		return engine.Status{}, Explain(err)
	}
	_, series, err := engine.Setup(ctx, p.Vault(), r)
	if err != nil {
		return engine.Status{}, Explain(err)
	}
	if err := p.RebuildHostingExclusions(); err != nil {
		return engine.Status{}, err
	}
	if err := p.SetDeviceSeries(series); err != nil {
		return engine.Status{}, err
	}
	if err := p.SetSyncAccount(ctx, a); err != nil {
		return engine.Status{}, err
	}
	if err := attach(p); err != nil {
		return engine.Status{}, err
	}
	return engine.ReadStatus(p.Vault())
}

// Join makes a vault in dir for a new device of a practice that already
// syncs to the account's bucket: the data key comes from the bucket,
// unwrapped with the recovery key; passphrase protects it here. The new
// device gets its own invoice series and downloads the practice's data.
func Join(ctx context.Context, dir string, passphrase []byte, recoveryKey string, a practice.SyncAccount, o *practice.Options) (*practice.Practice, engine.Report, error) {
	var rep engine.Report
	if err := a.Validate(); err != nil {
		return nil, rep, err
	}
	r, err := Remote(a)
	if err != nil {
		return nil, rep, err
	}
	if err := r.Check(ctx); err != nil {
		return nil, rep, Explain(err)
	}
	wrap, err := engine.JoinRemote(ctx, r)
	if err != nil {
		return nil, rep, Explain(err)
	}
	var so *store.Options
	if o != nil {
		so = o.Store
	}
	v, err := store.Join(dir, passphrase, recoveryKey, wrap, so)
	if err != nil {
		return nil, rep, err
	}
	v.Close()
	// Until the first download is in, the new vault holds nothing of
	// value: any failure removes it, so that joining can simply be tried
	// again.
	p, err := practice.Open(dir, o)
	if err != nil {
		os.Remove(filepath.Join(dir, store.FileName))
		return nil, rep, err
	}
	fail := func(err error) (*practice.Practice, engine.Report, error) {
		p.Close()
		os.Remove(filepath.Join(dir, store.FileName))
		return nil, rep, err
	}
	if err := p.Unlock(passphrase); err != nil {
		return fail(err)
	}
	if _, err := Enable(ctx, p, a); err != nil {
		return fail(err)
	}
	if rep, err = Now(ctx, p, nil); err != nil {
		return fail(err)
	}
	return p, rep, nil
}

// Now runs one sync: sends this device's changes, applies the others'.
func Now(ctx context.Context, p *practice.Practice, progress func(done, total int64)) (engine.Report, error) {
	a, on, err := p.SyncAccount(ctx)
	if err != nil {
		return engine.Report{}, err
	}
	ev, ok := engines.Load(p)
	if !on || !ok {
		return engine.Report{}, Explain(engine.ErrOff)
	}
	e := ev.(*engine.Engine)
	r, err := Remote(a)
	if err != nil {
		return engine.Report{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	h := &runHandle{cancel: cancel}
	running.Store(p, h)
	defer running.CompareAndDelete(p, h)
	e.Use(r, progress)
	rep, err := e.Run(ctx)
	buckets := make([]string, len(rep.Changed))
	ids := make([]store.ID, len(rep.Changed))
	for i, c := range rep.Changed {
		buckets[i], ids[i] = c.Bucket, c.ID
	}
	if ierr := p.SyncApplied(buckets, ids); ierr != nil && err == nil {
		err = ierr
	}
	return rep, Explain(err)
}

// Status reads the device's sync status.
func Status(p *practice.Practice) (engine.Status, error) { return engine.ReadStatus(p.Vault()) }

// Conflicts lists the versions kept from merges.
func Conflicts(p *practice.Practice) ([]engine.Conflict, error) { return engine.Conflicts(p.Vault()) }

// Resolve restores a kept version (restore) or drops it.
func Resolve(p *practice.Practice, id store.ID, restore bool) error {
	c, err := engine.Resolve(p.Vault(), id, restore)
	if err != nil {
		return err
	}
	if restore {
		return p.SyncApplied([]string{c.Bucket}, []store.ID{c.Record})
	}
	return nil
}

// Disable turns sync off on this device at once; with forget, it first
// deletes the practice's objects from the bucket (every device's copy).
func Disable(ctx context.Context, p *practice.Practice, forget bool) (deleted int, err error) {
	a, on, err := p.SyncAccount(ctx)
	if err != nil {
		return 0, err
	}
	if !on {
		return 0, Explain(engine.ErrOff)
	}
	// Stop a run in progress at once: what it applied stays applied, what
	// it did not send stays queued.
	if h, ok := running.Load(p); ok {
		h.(*runHandle).cancel()
	}
	if forget {
		r, err := Remote(a)
		if err != nil {
			return 0, err
		}
		if deleted, err = engine.Forget(ctx, r); err != nil {
			return deleted, Explain(err)
		}
	}
	if ev, ok := engines.LoadAndDelete(p); ok {
		ev.(*engine.Engine).Use(nil, nil)
	}
	if err := engine.Disable(p.Vault()); err != nil {
		return deleted, err
	}
	return deleted, p.ClearSyncAccount(ctx)
}

// Every is how often the scheduled sync runs by default.
const Every = 5 * time.Minute

// Describe is the plain statement shown before turning sync on.
func Describe() (fr, en string) {
	return "Cabinet enverra à l'hébergeur des paquets chiffrés sur ce poste avec la clé de votre coffre : l'hébergeur ne peut lire ni les noms, ni les dates, ni les notes. " +
			"Les patients opposés à l'hébergement ne quittent jamais ce poste. Les clés d'accès restent scellées dans le coffre.",
		"Cabinet will send the host packets encrypted on this device with your vault's key: the host cannot read names, dates or notes. " +
			"Patients who objected to hosting never leave this device. The access keys stay sealed in the vault."
}

// Scheduler runs sync every few minutes while sync is on.
type Scheduler struct{ s gocron.Scheduler }

// Schedule starts a sync every period (one run at a time; a run that would
// overlap the previous one is skipped). done hears each run's outcome.
func Schedule(p *practice.Practice, every time.Duration, done func(engine.Report, error)) (*Scheduler, error) {
	s, err := gocron.NewScheduler()
	if err != nil {
		return nil, err
	}
	run := func() {
		if _, on, err := p.SyncAccount(context.Background()); err != nil || !on || !p.Unlocked() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), every*4)
		defer cancel()
		rep, err := Now(ctx, p, nil)
		if done != nil {
			done(rep, err)
		}
	}
	if _, err := s.NewJob(gocron.DurationJob(every), gocron.NewTask(run), gocron.WithSingletonMode(gocron.LimitModeReschedule)); err != nil {
		return nil, err
	}
	s.Start()
	return &Scheduler{s: s}, nil
}

// Stop ends the schedule; a run in progress finishes.
func (s *Scheduler) Stop() error { return s.s.Shutdown() }
