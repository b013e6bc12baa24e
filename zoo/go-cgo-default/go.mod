module github.com/acme/whoami

go 1.19
