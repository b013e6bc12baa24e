module github.com/acme/greeter

go 1.19
