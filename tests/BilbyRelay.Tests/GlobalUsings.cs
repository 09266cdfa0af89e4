// Shared by every test file in this project.
global using Xunit;
