// asciichart ships no types; this declares the one function the demo uses.
declare module "asciichart" {
  export interface PlotConfig {
    height?: number;
    offset?: number;
    padding?: string;
    format?: (x: number, i: number) => string;
    colors?: string[];
    min?: number;
    max?: number;
  }
  export function plot(series: number[] | number[][], config?: PlotConfig): string;
}
