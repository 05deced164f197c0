package ui

import (
	"errors"
	"strconv"
	"strings"

	"github.com/cabinet-sante/cabinet/app/billing"
)

// parseEuros reads an amount typed in euros ("30", "30,5", "1 234,50",
// "30.50") into cents.
func parseEuros(s string) (billing.Cents, error) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "€", "").Replace(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, ".", ",")
	ip, dp, _ := strings.Cut(s, ",")
	if ip == "" {
		ip = "0"
	}
	if len(dp) > 2 {
		return 0, errors.New("au plus deux décimales")
	}
	for len(dp) < 2 {
		dp += "0"
	}
	i, err1 := strconv.ParseInt(ip, 10, 64)
	d, err2 := strconv.ParseInt(dp, 10, 64)
	if err1 != nil || err2 != nil || i < 0 || i > 1_000_000 {
		return 0, errors.New("montant invalide")
	}
	return billing.Cents(i*100 + d), nil
}
