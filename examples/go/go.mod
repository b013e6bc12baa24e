module example.com/shorten

go 1.19
