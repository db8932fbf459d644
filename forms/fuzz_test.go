package forms

import (
	"testing"
	"testing/fstest"
)

// FuzzLoadFS feeds arbitrary bytes to the definition loader as a revision
// file: it must return a clear error or a registry, never panic or hang.
func FuzzLoadFS(f *testing.F) {
	reg := MustLoad()
	for _, fam := range reg.Families() {
		b, err := embedded.ReadFile("defs/" + fam.ID + "/family.json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, []byte(`{}`))
	}
	cur, err := embedded.ReadFile("defs/batch-removal/rev-2023-05-01.json")
	if err != nil {
		f.Fatal(err)
	}
	fam, _ := embedded.ReadFile("defs/batch-removal/family.json")
	f.Add(fam, cur)
	f.Add(fam, []byte(`{"family":"batch-removal","revision":"05/01/2023","status":"current","title":"T","page_size":{"w":612,"h":792},"pages":[{"number":1,"print":[],"fields":[],"table":{"box":{"x":10,"y":10,"w":100,"h":100},"header_h":10,"row_h":-5,"rows":100000000,"columns":[{"name":"a","label":"A","kind":"text","w":100}]}}]}`))
	f.Fuzz(func(t *testing.T, family, revision []byte) {
		fsys := fstest.MapFS{
			"batch-removal/family.json": {Data: family},
			"batch-removal/rev.json":    {Data: revision},
		}
		r, err := LoadFS(fsys)
		if err == nil && r == nil {
			t.Fatal("no registry and no error")
		}
	})
}
