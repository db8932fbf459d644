package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/lausd/misis-intake/forms"
)

func runForms(ctx context.Context, args []string, stdout io.Writer) error {
	sub, args := subcommand(args)
	switch sub {
	case "list":
		return formsList(args, stdout)
	case "render":
		return formsRender(args, stdout)
	default:
		return fmt.Errorf("forms: want 'forms list [--json]' or 'forms render --out DIR'")
	}
}

// revisionInfo is one revision in 'forms list --json'.
type revisionInfo struct {
	Revision string   `json:"revision"`
	Status   string   `json:"status"`
	Pages    int      `json:"pages"`
	Fields   int      `json:"fields"`
	Roles    []string `json:"roles,omitempty"`
	Marks    string   `json:"marks,omitempty"`
	File     string   `json:"pdf"`
}

type familyInfo struct {
	ID        string         `json:"id"`
	Title     string         `json:"title"`
	Kind      string         `json:"kind"`
	Current   string         `json:"current"`
	Revisions []revisionInfo `json:"revisions"`
}

func formsList(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("forms list", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	reg, err := forms.Load()
	if err != nil {
		return err
	}
	var out []familyInfo
	for _, f := range reg.Families() {
		fi := familyInfo{ID: f.ID, Title: f.Title, Kind: f.Kind, Current: f.Current().Stamp}
		for _, r := range f.Revisions {
			fi.Revisions = append(fi.Revisions, revisionInfo{
				Revision: r.Stamp, Status: string(r.Status), Pages: len(r.Pages),
				Fields: len(r.Fields()), Roles: r.Roles(), Marks: r.Marks, File: pdfName(r),
			})
		}
		out = append(out, fi)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"families": out})
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FAMILY\tREVISION\tSTATUS\tFIELDS\tTITLE")
	for _, f := range out {
		for _, r := range f.Revisions {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", f.ID, r.Revision, r.Status, r.Fields, f.Title)
		}
	}
	return tw.Flush()
}

// pdfName is the file a revision renders to, e.g. school-mirror_2022-02-17.pdf.
func pdfName(r *forms.Revision) string {
	s := r.Stamp
	return fmt.Sprintf("%s_%s-%s-%s.pdf", r.Family, s[6:], s[0:2], s[3:5])
}

func formsRender(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("forms render", flag.ContinueOnError)
	out := fs.String("out", "", "directory to write one PDF per revision into")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("forms render: --out DIR is required")
	}
	reg, err := forms.Load()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for _, r := range reg.Revisions() {
		path := filepath.Join(*out, pdfName(r))
		if err := writeFile(path, func(w io.Writer) error { return forms.Render(w, r) }); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\n", path, strings.ToUpper(string(r.Status[:1]))+string(r.Status[1:]), r.Title)
	}
	return nil
}

// writeFile writes a file through fn, removing it again if fn fails.
func writeFile(path string, fn func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}
