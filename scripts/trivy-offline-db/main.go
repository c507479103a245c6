// Command trivy-offline-db builds a trivy vulnerability database that `trivy fs --cache-dir DIR
// --skip-db-update` reads, from the OSV records the tests' other offline services serve:
//
//	go run ./scripts/trivy-offline-db --out DIR RECORD.json...
//
// It writes DIR/db/trivy.db (bbolt, trivy-db schema 2) and DIR/db/metadata.json. Layout, as
// trivy-db's GitHub advisory source writes it: bucket "<trivy's ecosystem>::GitHub Security
// Advisory <ecosystem>" → bucket <package> → key <vulnerability id> → {"VulnerableVersions", "PatchedVersions"};
// bucket "vulnerability" → key <vulnerability id> → {"Title", "Description", "Severity", "CweIDs",
// "CVSS", "References"}. Like trivy-db, the id is the advisory's CVE alias when it has one, so
// trivy reports CVE-… where osv-scanner and npm audit report GHSA-…: the case dedup must meet.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

type record struct {
	ID       string   `json:"id"`
	Aliases  []string `json:"aliases"`
	Summary  string   `json:"summary"`
	Details  string   `json:"details"`
	Severity []struct {
		Type  string `json:"type"`
		Score string `json:"score"`
	} `json:"severity"`
	Affected []struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
		} `json:"package"`
		Ranges []struct {
			Events []map[string]string `json:"events"`
		} `json:"ranges"`
	} `json:"affected"`
	References []struct {
		URL string `json:"url"`
	} `json:"references"`
	DatabaseSpecific struct {
		Severity string   `json:"severity"`
		CweIDs   []string `json:"cwe_ids"`
	} `json:"database_specific"`
}

type advisory struct {
	VulnerableVersions []string `json:"VulnerableVersions"`
	PatchedVersions    []string `json:"PatchedVersions"`
}

type vulnerability struct {
	Title       string                       `json:"Title"`
	Description string                       `json:"Description"`
	Severity    string                       `json:"Severity"`
	CweIDs      []string                     `json:"CweIDs,omitempty"`
	CVSS        map[string]map[string]string `json:"CVSS,omitempty"`
	References  []string                     `json:"References,omitempty"`
}

func main() {
	out := flag.String("out", "", "the cache directory to write (DIR/db/...)")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: trivy-offline-db --out DIR RECORD.json...")
		os.Exit(2)
	}
	if err := build(*out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "trivy-offline-db:", err)
		os.Exit(1)
	}
}

func build(out string, paths []string) error {
	dir := filepath.Join(out, "db")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	db, err := bolt.Open(filepath.Join(dir, "trivy.db"), 0o644, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		for _, path := range paths {
			if err := put(tx, path); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// trivy refuses a database whose schema version differs; with --skip-db-update it never
	// downloads, whatever NextUpdate says.
	now := time.Now().UTC()
	meta, _ := json.Marshal(map[string]any{
		"Version": 2, "NextUpdate": now.Add(24 * time.Hour), "UpdatedAt": now, "DownloadedAt": now,
	})
	return os.WriteFile(filepath.Join(dir, "metadata.json"), meta, 0o644)
}

// put stores one OSV record: its advisory per affected package and its details.
func put(tx *bolt.Tx, path string) error {
	text, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var r record
	if err := json.Unmarshal(text, &r); err != nil {
		return err
	}
	id := r.ID
	for _, alias := range r.Aliases {
		if strings.HasPrefix(alias, "CVE-") {
			id = alias
			break
		}
	}
	for _, affected := range r.Affected {
		source := bucketPrefix(affected.Package.Ecosystem) + "::GitHub Security Advisory " + affected.Package.Ecosystem
		root, err := tx.CreateBucketIfNotExists([]byte(source))
		if err != nil {
			return err
		}
		pkg, err := root.CreateBucketIfNotExists([]byte(affected.Package.Name))
		if err != nil {
			return err
		}
		value, _ := json.Marshal(ranges(affected.Ranges))
		if err := pkg.Put([]byte(id), value); err != nil {
			return err
		}
	}
	details, err := tx.CreateBucketIfNotExists([]byte("vulnerability"))
	if err != nil {
		return err
	}
	value, _ := json.Marshal(describe(r))
	return details.Put([]byte(id), value)
}

// bucketPrefix is trivy's name of an OSV ecosystem, which its bucket names start with: trivy
// looks a package up by that prefix ("pip::…" for PyPI).
func bucketPrefix(ecosystem string) string {
	switch ecosystem {
	case "PyPI":
		return "pip"
	case "crates.io":
		return "cargo"
	default:
		return strings.ToLower(ecosystem)
	}
}

// ranges turns OSV's introduced/fixed events into trivy's constraints (">=1.0.0, <1.2.6").
func ranges(osvRanges []struct {
	Events []map[string]string `json:"events"`
}) advisory {
	var a advisory
	for _, r := range osvRanges {
		introduced := ""
		for _, event := range r.Events {
			if v, ok := event["introduced"]; ok {
				introduced = v
			}
			if fixed, ok := event["fixed"]; ok {
				constraint := "<" + fixed
				if introduced != "" && introduced != "0" {
					constraint = ">=" + introduced + ", " + constraint
				}
				a.VulnerableVersions = append(a.VulnerableVersions, constraint)
				a.PatchedVersions = append(a.PatchedVersions, fixed)
			}
		}
	}
	return a
}

func describe(r record) vulnerability {
	v := vulnerability{
		Title:       r.Summary,
		Description: r.Details,
		Severity:    strings.ToUpper(r.DatabaseSpecific.Severity),
		CweIDs:      r.DatabaseSpecific.CweIDs,
	}
	if v.Severity == "MODERATE" {
		v.Severity = "MEDIUM"
	}
	for _, s := range r.Severity {
		if s.Type == "CVSS_V3" {
			v.CVSS = map[string]map[string]string{"ghsa": {"V3Vector": s.Score}}
		}
	}
	for _, ref := range r.References {
		v.References = append(v.References, ref.URL)
	}
	return v
}
