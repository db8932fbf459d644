package validate

import (
	"reflect"
	"testing"
)

func TestEmailFromName(t *testing.T) {
	tests := []struct {
		local, first, last string
		want               bool
	}{
		{"maria.garcia", "Maria", "Garcia", true},
		{"Maria.Garcia", "maria", "GARCIA", true},
		{"mgarcia", "Maria", "Garcia", true},
		{"m.garcia", "Maria", "Garcia", true},
		{"mariag", "Maria", "Garcia", true},
		{"mariagarcia", "Maria", "Garcia", false},  // maria.garcia with its dot lost
		{"maria_garcia", "Maria", "Garcia", false}, // maria.garcia with its dot smudged
		{"maria.garcia@lausd.net", "Maria", "Garcia", true},
		{"sobrien", "Sean", "O'Brien", true},
		{"jose.nunez", "José", "Núñez", true},
		{"ana.garcialopez", "Ana", "Garcia-Lopez", true},
		{"maria.garcia@gmail.com", "Maria", "Garcia", false},
		{"maria.garcla", "Maria", "Garcia", false}, // one letter off is not the same read
		{"mgarcia7", "Maria", "Garcia", false},
		{"garcia.maria", "Maria", "Garcia", false},
		{"rgarcia", "Maria", "Garcia", false},
		{"", "Maria", "Garcia", false},
		{"m", "M", "", false},
	}
	for _, tt := range tests {
		if got := EmailFromName(tt.local, tt.first, tt.last); got != tt.want {
			t.Errorf("EmailFromName(%q, %q, %q) = %v, want %v", tt.local, tt.first, tt.last, got, tt.want)
		}
	}
}

// TestNearest covers readNoise, noiseAllowed and nearest together: which
// misreadings of an e-mail name are taken as the one made from the name.
func TestNearest(t *testing.T) {
	tests := []struct {
		read, want string
		taken      bool
	}{
		{"jaguilar", "laguilar", true}, // look-alikes
		{"isantos", "lsantos", true},
		{"1santos", "lsantos", true},
		{"thoang", "lhoang", true},
		{"heontreras", "hcontreras", true},
		{"letlam", "leilam", true},
		{"myung", "mjung", true},
		{"anh.meyia", "anh.mejia", true},
		{"deniset", "denisef", true},
		{"dmitrig", "dmitrij", true},
		{"fatima-okafor", "fatima.okafor", true}, // marks between names
		{"fatima,okafor", "fatima.okafor", true},
		{"bridgetbrooks", "bridget.brooks", true}, // a dot lost
		{"baker", "lbaker", true},                 // a thin stroke lost
		{"kevin", "kevinl", true},
		{"mchen", "mchen1", true},
		{"ssusanm", "susanm", true}, // a letter read twice
		{"mmaria.torres", "maria.torres", true},
		{"susanmm", "susanm", true},
		{"gabnelaw", "gabrielaw", true}, // ri run into n
		{"kguznian", "kguzman", true},   // m broken into ni
		{"bnian.hosseim", "brian.hosseini", true},
		{"neardo.brown", "ricardo.brown", true},
		{"marisoals", "marisols", true},             // one letter more in a name of 5 to 9
		{"miguelp", "miguelr", true},                // one letter changed
		{"dariush.mensgah", "dariush.mensah", true}, // a letter more in a long name
		{"tezao", "rezao", true},
		{"amina4y", "aminaj", true}, // the typewriter's j read as 4y
		{"amina4", "aminaj", false},
		{"ywu", "rwu", false}, // short names: only a look-alike
		{"kwu", "wu", false},
		{"mgarcia2", "mgarcia", false}, // a digit is another address
		{"mgarcia7", "mgarcia1", false},
		{"laguilar", "laguilar", false}, // not a misreading: the same
		{"jaguilor", "laguilar", false}, // a look-alike and a letter
		{"jiguilar", "laguilar", false},
		{"aker", "lbaker", false},
		{"bridgetbrook", "bridget.brooks", true}, // a dot and a letter, in a long name
		{"bridgetbrok", "bridget.brooks", false},
		{"nokang", "mkang", false},
		{"sgarcia", "mgarcia", true},
		{"sgarcla", "mgarcia", false},
	}
	for _, tt := range tests {
		got, ok := nearest(tt.read, []string{tt.want})
		if ok != tt.taken || ok && got != tt.want {
			t.Errorf("nearest(%q, [%q]) = %q, %v (noise %.1f), want taken %v", tt.read, tt.want, got, ok, readNoise(tt.read, tt.want), tt.taken)
		}
	}
}

func TestNearestChoosesOne(t *testing.T) {
	made := emailsFromName("Maria", "Garcia") // maria.garcia, mgarcia, m.garcia, mariag
	tests := []struct {
		read, want string
	}{
		{"mgarcla", "mgarcia"},
		{"m,garcia", "m.garcia"},
		{"marla.garcia", "maria.garcia"},
		{"mariagarcia", "maria.garcia"},
		{"maria-garcia", "maria.garcia"},
		{"maria_garcia", "maria.garcia"},
		{"mgarcia", ""}, // exact: nothing to correct
		{"jsmith", ""},
		{"mmgarcia", "mgarcia"}, // not m.garcia: a dot is not read as a letter
	}
	// ana.li, ali, a.li, anal: anali is ana.li with its dot lost, or anal
	// with a thin stroke more.
	if got, ok := nearest("anali", emailsFromName("Ana", "Li")); ok {
		t.Errorf("nearest(anali) = %q, want none: two are as near", got)
	}
	for _, tt := range tests {
		got, ok := nearest(tt.read, made)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("nearest(%q) = %q, %v; want %q", tt.read, got, ok, tt.want)
		}
	}
}

func TestNameSplits(t *testing.T) {
	tests := []struct {
		full string
		want [][2]string
	}{
		{"Kevin Guzman", [][2]string{{"Kevin", "Guzman"}}},
		{"  Angela  Van Dyke ", [][2]string{{"Angela", "Van Dyke"}, {"Angela Van", "Dyke"}}},
		{"Cher", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := nameSplits(tt.full); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("nameSplits(%q) = %q, want %q", tt.full, got, tt.want)
		}
	}
}
