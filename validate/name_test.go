package validate

import "testing"

func TestNamesMatch(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"Garcia", "Garcia", true},
		{"GARCIA", "garcia", true},
		{"Garcai", "Garcia", true},        // swapped letters
		{"Rodriquez", "Rodriguez", true},  // one letter
		{"Hernandes", "Hernandez", true},  // one letter
		{"Hemandez", "Hernandez", true},   // rn read as m: two edits
		{"O'Brien", "OBrien", true},       // punctuation
		{"De La Cruz", "Dela-Cruz", true}, // spaces and hyphens
		{"Núñez", "Nunez", true},          // accents
		{"Peña", "PENA", true},            // accents and case
		{"Kim", "Kin", true},              // one letter of a short name
		{"Kim", "Lee", false},             // a different short name
		{"Li", "Le", false},               // two letters allow no slip
		{"Garcia", "Gonzalez", false},     // a different name
		{"Maria", "Mario", true},          // within noise
		{"Maria", "Marta", true},          // within noise
		{"Jose", "Juan", false},           // three letters differ
		{"Christopher", "Chris", false},   // a nickname is not noise
		{"Hakobyan", "Hakobian", true},    // one letter
		{"Hakobyan", "Petrosyan", false},  // a different name
		{"", "", true},
		{"", "Garcia", false},
		{"---", "Garcia", false},
	}
	for _, tc := range tests {
		if got := NamesMatch(tc.a, tc.b); got != tc.want {
			t.Errorf("NamesMatch(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := NamesMatch(tc.b, tc.a); got != tc.want {
			t.Errorf("NamesMatch(%q, %q) = %v, want %v (not symmetric)", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"", "abc", 3},
		{"kitten", "sitting", 3},
		{"garcia", "garcai", 1},
		{"ca", "abc", 3}, // optimal string alignment, not full Damerau
		{"ñandu", "nandu", 1},
	}
	for _, tc := range tests {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestTitleAllowed(t *testing.T) {
	allowed := []string{"Principal", "Assistant Principal"}
	tests := []struct {
		title string
		want  bool
	}{
		{"Principal", true},
		{"PRINCIPAL", true},
		{"Assistant Principal", true},
		{"Asst. Principal", true},
		{"Asst Prin.", true},
		{"AP", true},
		{"A.P.", true},
		{"Interim Principal", true},
		{"Acting Asst. Principal", true},
		{"Prinicpal", true},
		{"Principa1", true},
		{"Assistant Principle", true},
		{"Pr inc ipal", true}, // a word split by the fax
		{"Assis tant Principal", true},
		{"Pr inc", false},
		{"Office Manager", false},
		{"Teacher", false},
		{"Vice Principal", false},
		{"Principal's secretary", false},
		{"Interim", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := TitleAllowed(tc.title, allowed); got != tc.want {
			t.Errorf("TitleAllowed(%q) = %v, want %v", tc.title, got, tc.want)
		}
	}
}

func TestMatchRemovalReason(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Retired", ReasonRetired},
		{"retired", ReasonRetired},
		{"RETIRD", ReasonRetired},
		{"Retirement", ReasonRetired},
		{"Transferred", ReasonTransferred},
		{"Transfered", ReasonTransferred},
		{"transfer", ReasonTransferred},
		{"Left the district", ReasonLeftDistrict},
		{"Left the Distrlct", ReasonLeftDistrict},
		{"left district", ReasonLeftDistrict},
		{"Changed assignment", ReasonChangedAssignment},
		{"Change of assignment", ReasonChangedAssignment},
		{"changed asignment", ReasonChangedAssignment},
		{"Promoted", ""},
		{"Deceased", ""},
		{"Retired?", ReasonRetired},
		{"", ""},
	}
	for _, tc := range tests {
		got, ok := MatchRemovalReason(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("MatchRemovalReason(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}
