/** The examples use bnlab-core as a module: only its exported packages are visible here. */
module org.bnlab.examples {
    requires org.bnlab.core;
}
