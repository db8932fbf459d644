package validate

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// CSVError reports a bad row of a roster or location file: the line, the
// column and what is wrong with it.
type CSVError struct {
	// Line is the 1-based line of the file; 0 when the problem is the
	// file as a whole.
	Line int
	// Column names the column, or is empty when the problem is the row.
	Column  string
	Problem string
}

func (e *CSVError) Error() string {
	switch {
	case e.Line == 0:
		return "validate: " + e.Problem
	case e.Column == "":
		return fmt.Sprintf("validate: line %d: %s", e.Line, e.Problem)
	}
	return fmt.Sprintf("validate: line %d, column %s: %s", e.Line, e.Column, e.Problem)
}

// csvRow is one record of a CSV file with named columns.
type csvRow struct {
	line  int
	cells map[string]string
}

// readCSV reads a CSV file whose header names exactly the given columns,
// in any order. Cells are trimmed of surrounding spaces. Problems with the
// file's shape are returned as *CSVError values joined together.
func readCSV(r io.Reader, columns []string) ([]csvRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &CSVError{Problem: "file is empty; want a header " + strings.Join(columns, ",")}
	}
	if err != nil {
		return nil, csvParseError(err)
	}
	index := map[string]int{}
	var errs []error
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := index[h]; dup {
			errs = append(errs, &CSVError{Line: 1, Column: h, Problem: "column appears twice in the header"})
		}
		index[h] = i
	}
	for _, c := range columns {
		if _, ok := index[c]; !ok {
			errs = append(errs, &CSVError{Line: 1, Column: c, Problem: "column is missing from the header"})
		}
	}
	if len(index) != len(columns) && len(errs) == 0 {
		errs = append(errs, &CSVError{Line: 1, Problem: fmt.Sprintf("header has %d columns; want %s", len(header), strings.Join(columns, ","))})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var rows []csvRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, csvParseError(err))
			var pe *csv.ParseError
			if errors.As(err, &pe) && pe.Err == csv.ErrFieldCount {
				continue
			}
			// A quoting error leaves the reader's position unreliable.
			break
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) != len(header) {
			errs = append(errs, &CSVError{Line: line, Problem: fmt.Sprintf("row has %d fields; the header has %d", len(rec), len(header))})
			continue
		}
		row := csvRow{line: line, cells: map[string]string{}}
		for _, c := range columns {
			row.cells[c] = strings.TrimSpace(rec[index[c]])
		}
		rows = append(rows, row)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return rows, nil
}

func csvParseError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &CSVError{Line: pe.Line, Problem: pe.Err.Error()}
	}
	return fmt.Errorf("validate: read CSV: %w", err)
}
