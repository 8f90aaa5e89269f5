"""HTTP only: routes turn requests into question calls and answers into responses."""
