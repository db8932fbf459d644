package validate_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/lausd/misis-intake/forms"
	"github.com/lausd/misis-intake/validate"
)

func Example() {
	roster := must(os.Open("../testdata/roster.csv"))
	defer roster.Close()
	places := must(os.Open("../testdata/locations.csv"))
	defer places.Close()
	env := validate.Env{
		Registry:  must(forms.Load()),
		Roster:    must(validate.ReadRoster(roster)),
		Locations: must(validate.ReadLocations(places)),
		Config: validate.Config{Now: func() time.Time {
			return time.Date(2026, time.November, 23, 9, 0, 0, 0, time.UTC)
		}},
	}

	// A mirror form on the retired revision is rejected at once.
	sure := func(text string) forms.Value {
		return forms.Value{Text: text, Confidence: 0.99, Source: forms.FromEngine, Sure: true}
	}
	old := &forms.Reading{Family: "school-mirror", Revision: "09/01/2020", Known: true, Confidence: 0.95,
		Values: map[string]forms.Value{"employee_number": sure("1234567")}}
	d, err := validate.Decide(context.Background(), old, env)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Outcome)
	for _, r := range d.Reasons {
		fmt.Printf("%s: %s\n", r.Code, r.Message)
	}
	// Output:
	// reject
	// revision.retired: Form revision Rev. 09/01/2020 is no longer accepted; please use Rev. 02/17/2022 from the MiSiS website.
}

func ExampleConfig_YearEnd() {
	var cfg validate.Config // the district's defaults: the year ends on 30 June
	for _, d := range []validate.Date{{Year: 2026, Month: time.June, Day: 30}, {Year: 2026, Month: time.July, Day: 1}} {
		end, err := cfg.YearEnd(d)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("request %s: mirror access ends %s\n", d, end)
	}
	// Output:
	// request 06/30/2026: mirror access ends 06/30/2026
	// request 07/01/2026: mirror access ends 06/30/2027
}

func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}
