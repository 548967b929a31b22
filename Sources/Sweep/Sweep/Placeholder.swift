public enum SweepPlaceholder {}
