module github.com/acme/pingserver

go 1.19
