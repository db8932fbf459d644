package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/ocr"
	"github.com/lausd/misis-intake/pipeline"
	"github.com/lausd/misis-intake/raster"
	"github.com/lausd/misis-intake/validate"
)

// processed is what 'intake process' prints for one file.
type processed struct {
	File     string             `json:"file"`
	Error    string             `json:"error,omitempty"`
	Document *pipeline.Document `json:"document,omitempty"`
}

func runProcess(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("process", flag.ContinueOnError)
	workers := fs.Int("workers", runtime.NumCPU(), "Tesseract clients")
	locPath := fs.String("locations", "", "locations CSV by which batch pages with no page number are parted by the places their school names name")
	files, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("process: want one or more PDF, TIFF, JPEG or PNG files")
	}
	reg, err := forms.Load()
	if err != nil {
		return err
	}
	cfg := ocr.Config{Registry: reg, Workers: *workers}
	if *locPath != "" {
		places, err := validate.ReadLocationsFile(*locPath)
		if err != nil {
			return err
		}
		cfg.Places = places
	}
	eng, err := ocr.New(cfg)
	if err != nil {
		return err
	}
	defer eng.Close()
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	failed := 0
	for _, name := range files {
		out := processed{File: name}
		data, err := os.ReadFile(name)
		if err == nil {
			var doc pipeline.Document
			doc, err = pipeline.ReadAttachment(ctx, eng, data, raster.Limits{})
			out.Document = &doc
		}
		if err != nil {
			out.Error, out.Document = err.Error(), nil
			failed++
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("process: %d of %d files could not be read", failed, len(files))
	}
	return nil
}
