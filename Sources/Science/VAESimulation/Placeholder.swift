public enum VAESimulationPlaceholder {}
