"""HTTP routes: practice (staff) and patient, kept apart."""
