package forms

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadEmbedded(t *testing.T) {
	reg, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := map[string]string{
		"school-mirror":    "02/17/2022",
		"district-staff":   "07/01/2023",
		"school-personnel": "08/15/2022",
		"batch-removal":    "05/01/2023",
	}
	if got := len(reg.Families()); got != len(want) {
		t.Fatalf("families = %d, want %d", got, len(want))
	}
	for id, stamp := range want {
		fam := reg.Family(id)
		if fam == nil {
			t.Fatalf("family %s missing", id)
		}
		if cur := fam.Current(); cur == nil || cur.Stamp != stamp {
			t.Errorf("%s: current revision = %v, want %s", id, cur, stamp)
		}
		retired := 0
		for _, r := range fam.Revisions {
			if r.Status == Retired {
				retired++
			}
		}
		if retired == 0 {
			t.Errorf("%s: no retired revision", id)
		}
	}
	mirror := reg.Revision("school-mirror", "02/17/2022")
	wantRoles := []string{"Categorical Programs Coordinator", "Counselor", "Office Manager", "Principal",
		"School Full Read", "School Limited Read", "Scheduling Administrator", "Special Education Provider"}
	if got := mirror.Roles(); strings.Join(got, "|") != strings.Join(wantRoles, "|") {
		t.Errorf("mirror roles = %q, want the eight roles of seed 001", got)
	}
	if !mirror.Allows(MarkAdd) || mirror.Allows(MarkRem) {
		t.Errorf("mirror must allow A and not R")
	}
	if old := reg.Revision("school-mirror", "09/01/2020"); old.RoleField("Special Education Provider") != nil ||
		old.RoleField("Special Education Service Provider") == nil {
		t.Errorf("retired mirror revision should carry the older role name")
	}
	batch := reg.Revision("batch-removal", "05/01/2023")
	if batch.TableRows() != 10 || batch.Field(RowField(10, "employee_number")) == nil {
		t.Errorf("batch form: want 10 table rows with an employee number cell")
	}
}

// Every way a definition can be wrong gives its own clear error.
func TestLoadInvalid(t *testing.T) {
	const family = `{"id":"f","title":"A Form","short":"a","kind":"access","signatures":["sig"]}`
	rev := func(stamp, status, fields string) string {
		return `{"family":"f","revision":"` + stamp + `","status":"` + status + `","title":"A Form",` +
			`"page_size":{"w":612,"h":792},"marks":"AR","pages":[{"number":1,"print":[],"fields":[` + fields + `]}]}`
	}
	const okFields = `{"name":"sig","kind":"signature","box":{"x":10,"y":10,"w":100,"h":20}},` +
		`{"name":"role.a","kind":"mark","role":"Reader","box":{"x":10,"y":50,"w":15,"h":15}}`
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"valid", map[string]string{"f/family.json": family, "f/r1.json": rev("01/02/2020", "current", okFields)}, ""},
		{"bad json", map[string]string{"f/family.json": family, "f/r1.json": `{"family":`}, "invalid JSON"},
		{"unknown key", map[string]string{"f/family.json": family, "f/r1.json": strings.Replace(rev("01/02/2020", "current", okFields), `"title"`, `"titel"`, 1)}, `unknown field "titel"`},
		{"no current", map[string]string{"f/family.json": family, "f/r1.json": rev("01/02/2020", "retired", okFields)}, "no current revision"},
		{"two current", map[string]string{"f/family.json": family, "f/r1.json": rev("01/02/2020", "current", okFields), "f/r2.json": rev("01/02/2021", "current", okFields)}, "2 current revisions"},
		{"bad stamp", map[string]string{"f/family.json": family, "f/r1.json": rev("2020-01-02", "current", okFields)}, "is not MM/DD/YYYY"},
		{"impossible stamp", map[string]string{"f/family.json": family, "f/r1.json": rev("02/30/2020", "current", okFields)}, "not a real date"},
		{"duplicate stamp", map[string]string{"f/family.json": family, "f/r1.json": rev("01/02/2020", "current", okFields), "f/r2.json": rev("01/02/2020", "retired", okFields)}, "defined twice"},
		{"bad status", map[string]string{"f/family.json": family, "f/r1.json": rev("01/02/2020", "posted", okFields)}, `status "posted"`},
		{"off page", map[string]string{"f/family.json": family, "f/r1.json": rev("01/02/2020", "current", okFields+`,{"name":"x","kind":"text","box":{"x":600,"y":10,"w":100,"h":20}}`)}, "is not on the page"},
		{"overlap", map[string]string{"f/family.json": family, "f/r1.json": rev("01/02/2020", "current", okFields+`,{"name":"x","kind":"text","box":{"x":50,"y":15,"w":100,"h":20}}`)}, `fields "sig" and "x" overlap`},
		{"duplicate field", map[string]string{"f/family.json": family, "f/r1.json": rev("01/02/2020", "current", okFields+`,{"name":"sig","kind":"text","box":{"x":300,"y":300,"w":100,"h":20}}`)}, `field "sig" is defined twice`},
		{"duplicate role", map[string]string{"f/family.json": family, "f/r1.json": rev("01/02/2020", "current", okFields+`,{"name":"role.b","kind":"mark","role":"reader","box":{"x":10,"y":80,"w":15,"h":15}}`)}, "role names must be unique"},
		{"unknown kind", map[string]string{"f/family.json": family, "f/r1.json": rev("01/02/2020", "current", okFields+`,{"name":"x","kind":"barcode","box":{"x":300,"y":300,"w":100,"h":20}}`)}, `unknown kind "barcode"`},
		{"mark without role", map[string]string{"f/family.json": family, "f/r1.json": rev("01/02/2020", "current", okFields+`,{"name":"x","kind":"mark","box":{"x":300,"y":300,"w":15,"h":15}}`)}, "names no role"},
		{"missing signature", map[string]string{"f/family.json": strings.Replace(family, `["sig"]`, `["sig","other"]`, 1), "f/r1.json": rev("01/02/2020", "current", okFields)}, `required signature "other"`},
		{"family id", map[string]string{"f/family.json": strings.Replace(family, `"id":"f"`, `"id":"g"`, 1), "f/r1.json": rev("01/02/2020", "current", okFields)}, "does not match its directory"},
		{"no revisions", map[string]string{"f/family.json": family}, "has no revisions"},
		{"huge table", map[string]string{"f/family.json": family, "f/r1.json": strings.Replace(rev("01/02/2020", "current", okFields), `"fields":[`, `"table":{"box":{"x":10,"y":300,"w":100,"h":400},"header_h":10,"row_h":5,"rows":100000,"columns":[{"name":"a","label":"A","kind":"text","w":100}]},"fields":[`, 1)}, "at most 200 and 20 fit a page"},
		{"bad field name", map[string]string{"f/family.json": family, "f/r1.json": rev("01/02/2020", "current", okFields+`,{"name":"Employee No","kind":"text","box":{"x":300,"y":300,"w":100,"h":20}}`)}, "must be lower case"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, body := range tc.files {
				fsys[name] = &fstest.MapFile{Data: []byte(body)}
			}
			_, err := LoadFS(fsys)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("LoadFS: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("LoadFS succeeded, want error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
			var de *DefinitionError
			if !errors.As(err, &de) || de.File == "" {
				t.Errorf("error %v is not a *DefinitionError naming its file", err)
			}
		})
	}
}
