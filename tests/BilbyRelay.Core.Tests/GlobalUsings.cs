global using BilbyRelay.Tests.Common;
global using Xunit;
