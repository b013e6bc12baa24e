module github.com/acme/site

go 1.19
