// The leads' GraphQL surface: leads, their sources and routing (leads.ts), the pipeline (pipeline.ts).
import './leads';
import './pipeline';
