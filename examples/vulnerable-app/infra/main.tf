# Planted for trivy: SSH open to the whole internet.
resource "aws_security_group" "ssh" {
  name        = "example-ssh"
  description = "SSH access"

  ingress {
    description = "SSH from anywhere"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
