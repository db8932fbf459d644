package validate

import (
	"strconv"
	"testing"

	"github.com/lausd/misis-intake/forms"
)

// realEnv is testEnv over the form definitions embedded in the binary.
func realEnv(t *testing.T) Env {
	t.Helper()
	env := testEnv(t)
	reg, err := forms.Load()
	if err != nil {
		t.Fatalf("forms.Load: %v", err)
	}
	env.Registry = reg
	return env
}

// TestRealRegistry decides forms of every family as the district defines
// them: a complete current revision is accepted, every retired revision is
// rejected at once.
func TestRealRegistry(t *testing.T) {
	env := realEnv(t)
	for _, fam := range env.Registry.Families() {
		cur := fam.Current()
		t.Run(fam.ID+"/current", func(t *testing.T) {
			var f form
			switch fam.Kind {
			case "batch":
				f = batchForm(env.Registry, rowGarcia, rowHakobyan)
			default:
				roles := cur.Roles()
				f = accessForm(env.Registry, fam.ID, map[string]string{roles[0]: "A", roles[len(roles)-1]: "A"})
			}
			d := decide(t, env, f)
			if d.Outcome != Accept || len(d.Reasons) > 0 || len(d.Review) > 0 {
				t.Fatalf("outcome %s\n%s", d.Outcome, dump(d))
			}
			for _, r := range d.Requests {
				if r.Queue != "ld-east" || r.Family != fam.ID {
					t.Errorf("request %+v", r)
				}
				if fam.TermEndsWithYear != !r.EndDate.IsZero() {
					t.Errorf("end date %v on a family whose term ends with the year: %v", r.EndDate, fam.TermEndsWithYear)
				}
			}
		})
		for _, rev := range fam.Revisions {
			if rev.Status != forms.Retired {
				continue
			}
			t.Run(fam.ID+"/retired "+rev.Stamp, func(t *testing.T) {
				var f form
				if fam.Kind == "batch" {
					f = batchForm(env.Registry, rowGarcia)
				} else {
					f = accessForm(env.Registry, fam.ID, map[string]string{cur.Roles()[0]: "A"})
				}
				f.Revision = rev.Stamp
				d := decide(t, env, f)
				if d.Outcome != Reject || len(d.Reasons) != 1 || d.Reasons[0].Code != CodeRevisionRetired {
					t.Fatalf("outcome %s\n%s", d.Outcome, dump(d))
				}
				want := "Form revision Rev. " + rev.Stamp + " is no longer accepted; please use Rev. " + cur.Stamp + " from the MiSiS website."
				if d.Reasons[0].Message != want {
					t.Errorf("message %q, want %q", d.Reasons[0].Message, want)
				}
			})
		}
	}
}

// TestRealRegistryRules checks the rules that depend on how a family is
// defined: marks allowed, the administrator's title, required fields.
func TestRealRegistryRules(t *testing.T) {
	env := realEnv(t)
	tests := []struct {
		name   string
		form   func() form
		reason Code
	}{
		{"R on the mirror form", func() form {
			return accessForm(env.Registry, "school-mirror", map[string]string{"Counselor": "A", "Principal": "R"})
		}, CodeRolesMarkNotAllowed},
		{"mirror form signed by a teacher", func() form {
			return accessForm(env.Registry, "school-mirror", map[string]string{"Counselor": "A"}).set("admin_title", "Teacher")
		}, CodeAdminTitle},
		{"personnel form signed by a teacher", func() form {
			return accessForm(env.Registry, "school-personnel", map[string]string{"Counselor": "A"}).set("admin_title", "Teacher")
		}, CodeAdminTitle},
		{"district form without the user's signature", func() form {
			return accessForm(env.Registry, "district-staff", map[string]string{"Help Desk Support": "R"}).set("user_signature", forms.Unsigned)
		}, CodeSignatureMissing},
		{"batch without the administrator's signature", func() form {
			return batchForm(env.Registry, rowGarcia).set("admin_signature", forms.Unsigned)
		}, CodeSignatureMissing},
		{"ITD block filled on the personnel form", func() form {
			return accessForm(env.Registry, "school-personnel", map[string]string{"Counselor": "A"}).set("itd_disapproved", "A")
		}, CodeITDBlockFilled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := decide(t, env, tc.form())
			if d.Outcome != Reject || len(d.Reasons) == 0 || d.Reasons[0].Code != tc.reason {
				t.Fatalf("want reject for %s\n%s", tc.reason, dump(d))
			}
		})
	}
}

// TestRealFieldsHaveReadableNames checks that every field a submitter
// fills in on a real form is named in words in messages, not by its
// internal name.
func TestRealFieldsHaveReadableNames(t *testing.T) {
	env := realEnv(t)
	for _, rev := range env.Registry.Revisions() {
		j := &judge{rev: rev, fam: env.Registry.Family(rev.Family)}
		for _, f := range rev.Fields() {
			if f.Group == "itd" {
				continue
			}
			if l := j.label(f.Name); l == strconv.Quote(f.Name) {
				t.Errorf("%s: field %s is named %s in messages", rev.Key(), f.Name, l)
			}
		}
	}
}
