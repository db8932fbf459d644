package validate

import (
	"fmt"
	"os"
)

// ReadRosterFile reads the HR roster CSV at path (see ReadRoster).
func ReadRosterFile(path string) (*MemRoster, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("validate: roster: %w", err)
	}
	defer f.Close()
	return ReadRoster(f)
}

// ReadLocationsFile reads the locations CSV at path (see ReadLocations).
func ReadLocationsFile(path string) (*MemLocations, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("validate: locations: %w", err)
	}
	defer f.Close()
	return ReadLocations(f)
}
