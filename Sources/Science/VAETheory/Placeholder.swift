public enum VAETheoryPlaceholder {}
