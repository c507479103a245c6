module example.com/vulnerable-app

go 1.22
