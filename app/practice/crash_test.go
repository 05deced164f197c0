package practice

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/store"
)

// TestRandomKillsLoseNothingAcknowledged kills, at random moments and many
// times, a child process that writes patients, consultations and notes,
// and checks after each kill that the vault opens, that everything the
// child reported written is there, that the audit chain verifies and that
// note numbers have no gap.
func TestRandomKillsLoseNothingAcknowledged(t *testing.T) {
	if dir := os.Getenv("CABINET_TEST_WRITER"); dir != "" {
		writerLoop(dir)
		return
	}
	p, _ := billingPractice(t)
	dir := p.Dir()
	p.Close()
	rng := rand.New(rand.NewPCG(7, 7))
	acked := map[string]string{} // id → kind
	var notes []string
	// 200 kills by default (the issue's floor); CABINET_CRASH_KILLS changes it.
	rounds := 200
	if n, err := strconv.Atoi(os.Getenv("CABINET_CRASH_KILLS")); err == nil && n > 0 {
		rounds = n
	}
	start := time.Now()
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRandomKillsLoseNothingAcknowledged$")
		cmd.Env = append(os.Environ(), "CABINET_TEST_WRITER="+dir)
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		time.AfterFunc(time.Duration(20+rng.IntN(120))*time.Millisecond, func() { cmd.Process.Kill() })
		for l := range lines {
			kind, id, ok := strings.Cut(l, " ")
			if !ok {
				continue
			}
			if kind == "note" {
				notes = append(notes, id)
			} else {
				acked[id] = kind
			}
		}
		cmd.Wait()

		p, err := Open(dir, opts())
		if err != nil {
			t.Fatalf("round %d: open after kill: %v", round, err)
		}
		if err := p.Unlock(pass); err != nil {
			t.Fatalf("round %d: unlock after kill: %v", round, err)
		}
		ctx := context.Background()
		// Every acknowledged record, read in one transaction: reading them
		// through Patient would write an audit entry per record.
		err = p.vault.View(func(tx *store.Tx) error {
			for id, kind := range acked {
				key, err := store.ParseID(id)
				if err != nil {
					return err
				}
				bucket := bPatients
				if kind == "consultation" {
					bucket = bConsultations
				}
				if _, err := tx.Get(bucket, key); err != nil {
					return fmt.Errorf("acknowledged %s %s lost: %w", kind, id, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		all, _ := p.Notes(ctx, NoteFilter{})
		for i, n := range all {
			if want := billing.FormatNumber("", 2026, i+1); n.Number != want {
				t.Fatalf("round %d: note %d is %s, want %s", round, i, n.Number, want)
			}
		}
		if len(all) < len(notes) {
			t.Fatalf("round %d: %d notes acknowledged, %d in the vault", round, len(notes), len(all))
		}
		if rep, err := p.VerifyAudit(); err != nil || rep.Break != nil {
			t.Fatalf("round %d: audit %+v %v", round, rep.Break, err)
		}
		if err := p.CheckVault(); err != nil {
			t.Fatalf("round %d: vault check: %v", round, err)
		}
		p.Close()
	}
	if len(acked) < 2*rounds || len(notes) < rounds/2 {
		t.Errorf("the writer did little before being killed: %d records, %d notes in %d rounds", len(acked), len(notes), rounds)
	}
	t.Logf("%d kills in %s: %d records and %d notes acknowledged, all found", rounds, time.Since(start).Round(time.Millisecond), len(acked), len(notes))
}

func writerLoop(dir string) {
	p, err := Open(dir, opts())
	if err == nil {
		err = p.Unlock(pass)
	}
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	ctx := context.Background()
	for i := 0; ; i++ {
		pt, err := p.AddPatient(ctx, patient.Patient{BirthName: fmt.Sprintf("Nom%d", i), FirstNames: "Prénom", BirthDate: "1980-01-01"})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("patient", pt.ID)
		c, err := p.SaveConsultation(ctx, patient.Consultation{PatientID: pt.ID, Date: time.Now(), Reason: "x"})
		if err != nil {
			os.Exit(1)
		}
		fmt.Println("consultation", c.ID)
		n, err := p.IssueNote(ctx, NoteRequest{PatientID: pt.ID, Acts: []ActQty{{"C", 1}}, Date: "2026-06-01"})
		if err != nil {
			os.Exit(1)
		}
		fmt.Println("note", n.Number)
	}
}
